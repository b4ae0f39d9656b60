interface Waiter {
  tab: number
  grant(): void
}

/**
 * Web Locks (exclusive mode) for tabs that live in one process, as a browser keeps them for the
 * tabs of one origin: a lock is held until its callback's promise settles, the next request in line
 * gets it, and an aborted request that is still waiting rejects with `AbortError`. `crash(tab)`
 * frees every lock of a tab the way a browser does when the tab's process dies: no callback settles.
 */
export class FakeLocks {
  readonly #holders = new Map<string, number>()
  readonly #queues = new Map<string, Waiter[]>()
  #tabs = 0

  /** The `navigator.locks` of one tab. */
  tab(): LockManager & { readonly id: number } {
    const tab = ++this.#tabs
    const request = (name: string, ...rest: unknown[]) => this.#request(tab, name, rest)
    return { id: tab, request, query: () => Promise.resolve({ held: [], pending: [] }) } as unknown as LockManager & { readonly id: number }
  }

  /** Who holds `name` now (a tab's id), if anyone. */
  holder(name: string): number | undefined {
    return this.#holders.get(name)
  }

  /** The tab died: its locks are free and its waiting requests are gone. */
  crash(tab: number): void {
    for (const [name, queue] of this.#queues) this.#queues.set(name, queue.filter((waiter) => waiter.tab !== tab))
    for (const [name, holder] of [...this.#holders]) if (holder === tab) this.#release(name)
  }

  #request(tab: number, name: string, rest: unknown[]): Promise<unknown> {
    const [options, callback] = (rest.length === 1 ? [{}, rest[0]] : rest) as [{ signal?: AbortSignal }, (lock: { name: string }) => unknown]
    const { signal } = options
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(new DOMException('The request was aborted.', 'AbortError'))
      const waiter: Waiter = {
        tab,
        grant: () => {
          signal?.removeEventListener('abort', abort)
          this.#holders.set(name, tab)
          Promise.resolve()
            .then(() => callback({ name }))
            .then(resolve, reject)
            // A crashed tab's lock was freed already; its callback settling later frees nothing.
            .finally(() => this.#holders.get(name) === tab && this.#release(name))
        },
      }
      const abort = () => {
        const queue = this.#queues.get(name) ?? []
        if (!queue.includes(waiter)) return
        this.#queues.set(name, queue.filter((other) => other !== waiter))
        reject(new DOMException('The request was aborted.', 'AbortError'))
      }
      signal?.addEventListener('abort', abort)
      if (this.#holders.has(name)) this.#queues.set(name, [...(this.#queues.get(name) ?? []), waiter])
      else waiter.grant()
    })
  }

  #release(name: string): void {
    this.#holders.delete(name)
    const [next, ...rest] = this.#queues.get(name) ?? []
    this.#queues.set(name, rest)
    next?.grant()
  }
}
