import { CloseCode, PROTOCOL_VERSION, type Command, type ConnectCommand, type PublishCommand } from '@lifeline/protocol'
import { AuthError } from './auth'
import { refreshCommand } from './refreshCommand'
import { fail, type Answer, type Reply } from './reply'
import type { Session } from './session'
import { subscribeCommand, unsubscribeCommand } from './subscription'

/**
 * What one command of `session` does, in its turn of the session's command queue. Returns the
 * reply, or `undefined` for a command that sends its reply through `answer` itself (connect,
 * whose reply must go out before the session's first other frame).
 */
export async function runCommand(session: Session, command: Command, answer: Answer): Promise<Reply | undefined> {
  switch (command.type) {
    case 'connect':
      await connectCommand(session, command, answer)
      return undefined
    case 'ping':
      return { ok: true, result: {} }
    case 'refresh':
      return refreshCommand(session, command.token)
    case 'subscribe':
      return subscribeCommand(session, command, answer)
    case 'unsubscribe':
      return unsubscribeCommand(session, command.channel)
    case 'publish':
      return publishCommand(session, command)
  }
}

async function connectCommand(session: Session, { v: version, token }: ConnectCommand, answer: Answer): Promise<void> {
  if (session.status !== 'connecting') {
    answer(fail('ALREADY_CONNECTED', 'Already connected'))
    return
  }
  if (version !== PROTOCOL_VERSION) {
    answer(fail('UNSUPPORTED_VERSION', `Protocol version ${version} is not supported; this server speaks ${PROTOCOL_VERSION}`))
    session.disconnect(CloseCode.BAD_PROTOCOL, 'unsupported protocol version')
    return
  }
  try {
    if (token === undefined) throw new AuthError('UNAUTHORIZED', 'connect needs a token')
    session.open(await session.context.verify(token), answer)
  } catch (error) {
    if (!(error instanceof AuthError)) throw error
    answer({ ok: false, error: error.toBody() })
    session.disconnect(error.code === 'TOKEN_EXPIRED' ? CloseCode.TOKEN_EXPIRED : CloseCode.UNAUTHORIZED, error.message)
  }
}

async function publishCommand(session: Session, { channel, event, data, key }: PublishCommand): Promise<Reply> {
  const claims = session.claims!
  if (!session.context.authorize(claims, channel, 'publish')) return fail('FORBIDDEN', `Not allowed to publish to ${channel}`)
  return { ok: true, result: await session.context.publish({ channel, event, data, key, publisher: `user:${claims.sub}` }) }
}
