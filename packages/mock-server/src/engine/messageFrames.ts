import type { MessageFrame } from '@lifeline/protocol'
import type { Publication } from './broker'

/** A `message` frame with its JSON text, serialized once. */
export interface SerializedMessage {
  frame: MessageFrame
  text: string
}

/**
 * The `message` frames of the publication being fanned out. A broker hands one publication to
 * every subscriber of its channel in a row, so remembering the last one builds and serializes the
 * frame once per publication instead of once per subscriber, and every subscriber's outlet gets the
 * same frame object (which lets an outlet cache its own encoding of it). Only the last one is kept: a
 * cache per publication would hold a second copy of the whole history.
 */
export class MessageFrames {
  #last: (SerializedMessage & { publication: Publication }) | undefined

  of(channel: string, publication: Publication): SerializedMessage {
    const last = this.#last
    if (last && last.publication === publication && last.frame.channel === channel) return last
    const frame: MessageFrame = { type: 'message', channel, event: publication.event, data: publication.data, pos: publication.pos, meta: publication.meta }
    this.#last = { publication, frame, text: JSON.stringify(frame) }
    return this.#last
  }
}
