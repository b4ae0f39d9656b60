/**
 * Open connections per peer address, capped, so one address cannot take every socket of the
 * server. Loopback peers are not counted: on loopback the peer is a reverse proxy on the same host
 * (every user would share its address; cap in the proxy there) or a test.
 */
export class ConnectionCap {
  readonly #max: number
  readonly #open = new Map<string, number>()

  constructor(max: number) {
    this.#max = max
  }

  /** Counts a connection from `peer`, or answers `false` (not counting it) when it is one too many. */
  admit(peer: string | undefined): boolean {
    if (peer === undefined || isLoopback(peer)) return true
    const open = this.#open.get(peer) ?? 0
    if (open >= this.#max) return false
    this.#open.set(peer, open + 1)
    return true
  }

  /** A connection that {@link admit} counted has closed. */
  release(peer: string | undefined): void {
    if (peer === undefined || isLoopback(peer)) return
    const open = (this.#open.get(peer) ?? 1) - 1
    if (open > 0) this.#open.set(peer, open)
    else this.#open.delete(peer)
  }
}

/** `127.0.0.0/8`, `::1`, and IPv4 loopback mapped into IPv6, as Node reports `remoteAddress`. */
export function isLoopback(address: string): boolean {
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.')
}
