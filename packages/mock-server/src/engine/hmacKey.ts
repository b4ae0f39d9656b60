/**
 * The HS256 key for `secret`, as the `Uint8Array` of the realm running this code.
 *
 * @note `TextEncoder#encode` can return another realm's `Uint8Array` (vitest's jsdom environment
 * puts jsdom's `TextEncoder` next to Node's `Uint8Array`), and jose refuses such a key with "must be
 * one of type Uint8Array". Copying it into this realm's `Uint8Array` works everywhere.
 */
export function hmacKey(secret: string): Uint8Array {
  return new Uint8Array(new TextEncoder().encode(secret))
}
