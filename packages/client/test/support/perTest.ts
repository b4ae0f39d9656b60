import { afterEach, beforeEach } from 'vitest'

/**
 * Something made fresh before every test of the file and closed after it, used through the returned
 * stand-in: test bodies and helpers read it as if it were a plain variable. Methods are bound to the
 * real object, so classes with private fields work through it.
 */
export function perTest<T extends object>(open: () => Promise<T>, close: (value: T) => Promise<void> | void): T {
  let current: T | undefined
  beforeEach(async () => {
    current = await open()
  })
  afterEach(async () => {
    const value = current
    current = undefined
    if (value) await close(value)
  })
  const live = (): T => {
    if (!current) throw new Error('This exists only inside a test (perTest() opens it in beforeEach)')
    return current
  }
  return new Proxy({} as T, {
    get(_target, key) {
      const value: unknown = Reflect.get(live(), key)
      return typeof value === 'function' ? value.bind(live()) : value
    },
    set: (_target, key, value) => Reflect.set(live(), key, value),
  })
}
