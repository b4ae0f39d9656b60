import type { Claims } from './auth'

export type ChannelAction = 'subscribe' | 'publish' | 'presence'

/** Who may subscribe to, publish on and join the presence of the channels whose name matches `pattern`. */
export interface ChannelRule {
  /** A channel name with `{param}` placeholders, each matching one segment without `:`. */
  pattern: string
  subscribe: (claims: Claims, params: Record<string, string>) => boolean
  /** Omitted: clients may not publish there (the server-side publish API still can). */
  publish?: (claims: Claims, params: Record<string, string>) => boolean
  /**
   * Who may join the channel's presence and see who else is there (checked with `subscribe`, which
   * they need too). Omitted: whoever may subscribe.
   */
  presence?: (claims: Claims, params: Record<string, string>) => boolean
}

const hasRole = (claims: Claims, ...roles: string[]) => roles.some((role) => claims.roles.includes(role))
const isOwner = (claims: Claims, params: Record<string, string>) => params.id === claims.sub
const anyone = () => true
const admin = (claims: Claims) => hasRole(claims, 'admin')
const nobody = () => false

/**
 * The default rules. Channels that match no rule are forbidden. Presence follows `subscribe`
 * except on the channels everyone signed in may read (`leaderboard`, `broadcasts`), where it would
 * tell every user who else is reading.
 * @see https://github.com/lifeline-rt/lifeline/blob/main/docs/mock-server.md#channel-rules
 */
export const DEFAULT_CHANNEL_RULES: ChannelRule[] = [
  { pattern: 'user:{id}', subscribe: isOwner, publish: isOwner },
  { pattern: 'dashboard', subscribe: (claims) => hasRole(claims, 'admin', 'mentor'), publish: admin },
  { pattern: 'leaderboard', subscribe: anyone, publish: admin, presence: nobody },
  { pattern: 'mentor:{id}', subscribe: (claims, params) => isOwner(claims, params) || admin(claims), publish: admin },
  {
    pattern: 'student:{id}',
    subscribe: (claims, params) => isOwner(claims, params) || hasRole(claims, 'mentor', 'admin'),
    publish: (claims) => hasRole(claims, 'mentor', 'admin'),
  },
  { pattern: 'broadcasts', subscribe: anyone, publish: admin, presence: nobody },
  { pattern: 'board:{id}', subscribe: anyone, publish: anyone },
  { pattern: 'comments:{id}', subscribe: anyone, publish: anyone },
  { pattern: 'demo:{id}', subscribe: anyone, publish: anyone },
]

interface CompiledRule {
  rule: ChannelRule
  regex: RegExp
  names: string[]
}

function compile(rules: ChannelRule[]): CompiledRule[] {
  return rules.map((rule) => {
    const names: string[] = []
    const source = rule.pattern
      .split(/(\{\w+\})/)
      .map((part) => {
        const name = /^\{(\w+)\}$/.exec(part)?.[1]
        if (name) {
          names.push(name)
          return '([^:]+)'
        }
        return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
      })
      .join('')
    return { rule, regex: new RegExp(`^${source}$`), names }
  })
}

/** Compiles rules once; returns the check the engine calls per subscribe and publish. */
export function channelAuthorizer(rules: ChannelRule[]): (claims: Claims, channel: string, action: ChannelAction) => boolean {
  const compiled = compile(rules)
  return (claims, channel, action) => {
    for (const { rule, regex, names } of compiled) {
      const match = regex.exec(channel)
      if (!match) continue
      const params = Object.fromEntries(names.map((name, index) => [name, match[index + 1]!]))
      if (action === 'presence') return rule.subscribe(claims, params) && (rule.presence ?? rule.subscribe)(claims, params)
      const check = action === 'subscribe' ? rule.subscribe : rule.publish
      return check ? check(claims, params) : false
    }
    return false
  }
}

/**
 * Whether any rule matches `channel`: the publish API skips the rules' checks, but a channel no
 * rule matches is one no client may ever subscribe to, so publishing there is a mistake.
 */
export function channelMatcher(rules: ChannelRule[]): (channel: string) => boolean {
  const compiled = compile(rules)
  return (channel) => compiled.some(({ regex }) => regex.test(channel))
}
