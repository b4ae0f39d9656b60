import { SESSION_HEADER, type RouteName } from '@lifeline/protocol'
import { allowedMethods } from './routeTable'

/**
 * The CORS headers of a protocol route for a browser `origin` the server allows (none for requests
 * without `Origin`): the route's methods, and the request headers the client sends.
 */
export function corsHeaders(route: RouteName, origin: string | undefined): Record<string, string> {
  if (!origin) return {}
  return {
    'access-control-allow-origin': origin,
    vary: 'Origin',
    'access-control-allow-methods': [...allowedMethods(route), 'OPTIONS'].join(', '),
    'access-control-allow-headers': `authorization, content-type, ${SESSION_HEADER}`,
    'access-control-max-age': '600',
  }
}
