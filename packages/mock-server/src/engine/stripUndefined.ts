/** Drops `undefined` values so that `{ ...defaults, ...options }` keeps the defaults for them. */
export function stripUndefined<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>
}
