/**
 * The handlers of the sessions this process holds, by session id: where a broker hands what is
 * addressed to one of them (an upstream command, a long poll) before looking at other replicas.
 */
export class HandlerRegistry<Handler> extends Map<string, Handler> {
  /**
   * Sets `handler` for `session`. The returned removal leaves a newer handler of the same session
   * in place, so an old transport closing late cannot unregister its successor.
   */
  register(session: string, handler: Handler): () => void {
    this.set(session, handler)
    return () => {
      if (this.get(session) === handler) this.delete(session)
    }
  }
}
