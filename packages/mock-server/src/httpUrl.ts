import { isIPv6 } from 'node:net'

/**
 * The `http://host:port` URL of a server listening on `host`. An IPv6 literal goes in brackets, as
 * URLs require: `http://::1:8080` cannot be parsed (its port cannot be told from the address),
 * `http://[::1]:8080` can. The unspecified addresses stay what they are (`0.0.0.0`, `[::]`): from
 * the same machine they reach the server like a loopback address does.
 */
export function httpUrl(host: string, port: number): string {
  return `http://${isIPv6(host) ? `[${host}]` : host}:${port}`
}

/** The other way: a host as `listen` and `connect` take it, without a URL's brackets (`[::1]` → `::1`). */
export const bareHost = (host: string) => host.replace(/^\[(.+)\]$/, '$1')
