/** A random id with a readable prefix, from Web Crypto (Node 20 and browsers both have it). */
export function randomId(prefix: string, bytes = 12): string {
  const buffer = crypto.getRandomValues(new Uint8Array(bytes))
  let text = ''
  for (const byte of buffer) text += byte.toString(16).padStart(2, '0')
  return `${prefix}${text}`
}
