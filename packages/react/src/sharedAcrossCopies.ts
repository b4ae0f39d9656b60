/**
 * The one value under `name` for every copy of this package in the page (a dependency that pins
 * another version brings its own copy): kept on globalThis under a registered symbol, made by the
 * first copy that asks. The context and the provider's mount counts live here, so hooks of one
 * copy find the provider of another, and one copy's unmount never disconnects a client another shows.
 */
export function sharedAcrossCopies<T>(name: string, make: () => T): T {
  const registry = globalThis as Record<symbol, T | undefined>
  return (registry[Symbol.for(`@lifeline/react/${name}`)] ??= make())
}
