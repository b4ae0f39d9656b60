/**
 * A channel's local listeners, fanned out to in a loop that must not see the set change under it
 * (a session that closes mid-loop unsubscribes). The snapshot is copied once per change, not once
 * per publish: with 5,000 subscribers a copy per publish was a visible share of the fan-out.
 */
export class ListenerSet<T> {
  readonly #listeners = new Set<(value: T) => void>()
  #snapshot: readonly ((value: T) => void)[] | undefined

  get size(): number {
    return this.#listeners.size
  }

  add(listener: (value: T) => void): void {
    this.#listeners.add(listener)
    this.#snapshot = undefined
  }

  delete(listener: (value: T) => void): void {
    if (this.#listeners.delete(listener)) this.#snapshot = undefined
  }

  /** Calls every listener with `value`; one that throws goes to `onError` and never stops the others. */
  emit(value: T, onError: (error: unknown) => void): void {
    this.#snapshot ??= [...this.#listeners]
    for (const listener of this.#snapshot) {
      try {
        listener(value)
      } catch (error) {
        onError(error)
      }
    }
  }
}
