import { MemoryBroker, type Publication } from '@lifeline/mock-server'

/**
 * A memory broker that publishes one `hello` on a channel right after each new subscription to
 * it, so "connect() to first message" is measured without waiting for a periodic publisher.
 */
export class AnnouncingBroker extends MemoryBroker {
  override async subscribe(channel: string, listener: (publication: Publication) => void): Promise<() => void> {
    const unsubscribe = await super.subscribe(channel, listener)
    setImmediate(() => void this.publish({ channel, event: 'hello', data: { at: Date.now() } }))
    return unsubscribe
  }
}
