/**
 * Where the gallery is: `#<story id>`, optionally with Storybook-style arg overrides,
 * `#<story id>&args=user:grace;board:team-7` (string values).
 */
export interface StoryLocation {
  id: string
  args: Record<string, string>
}

export function parseStoryLocation(hash: string): StoryLocation {
  const [id = '', ...params] = decodeURIComponent(hash.replace(/^#/, '')).split('&')
  const args: Record<string, string> = {}
  for (const param of params) {
    if (!param.startsWith('args=')) continue
    for (const pair of param.slice('args='.length).split(';')) {
      const colon = pair.indexOf(':')
      if (colon > 0) args[pair.slice(0, colon)] = pair.slice(colon + 1)
    }
  }
  return { id, args }
}
