import { ROUTES, type RouteName } from '@lifeline/protocol'

const BY_PATH = new Map<string, RouteName>(Object.entries(ROUTES).map(([name, route]) => [route.path, name as RouteName]))

/** The protocol route at `path`, or `undefined` for a path outside the protocol. */
export function routeAt(path: string): RouteName | undefined {
  return BY_PATH.get(path)
}

/** The methods a route answers, as an `allow` header lists them. */
export function allowedMethods(route: RouteName): readonly string[] {
  return ROUTES[route].methods
}

/** Every protocol path, for the message of a 404. */
export const PROTOCOL_PATHS = [...BY_PATH.keys()]
