import { describe, expect, it } from 'vitest'
import { IDLE, reduceConnection, type ConnectionAction, type ConnectionSnapshot } from '../connectionState'
import { RealtimeError } from '../errors'

const run = (...actions: ConnectionAction[]) => actions.reduce<ConnectionSnapshot>(reduceConnection, IDLE)
const lost = new RealtimeError('TRANSPORT_CLOSED')

describe('reduceConnection', () => {
  it('goes idle → connecting → connected with the transport', () => {
    expect(run({ type: 'connect' })).toEqual({ ...IDLE, status: 'connecting' })
    expect(run({ type: 'connect' }, { type: 'connected', transport: 'sse', diagnosis: undefined })).toMatchObject({ status: 'connected', transport: 'sse', attempt: 0 })
  })

  it('counts failed attempts and keeps the last error while reconnecting; a retry without a failure (a resume) is not counted', () => {
    const state = run({ type: 'connect' }, { type: 'retry', error: lost, retryAt: 100 }, { type: 'retry', error: undefined, retryAt: 200 }, { type: 'retry', error: lost, retryAt: 300 })
    expect(state).toEqual({ status: 'reconnecting', transport: undefined, attempt: 2, retryAt: 300, error: lost, diagnosis: undefined })
    expect(reduceConnection(state, { type: 'retry', error: undefined, retryAt: 400 })).toMatchObject({ attempt: 2, retryAt: 400, error: lost })
  })

  it('clears the error and retry time on connect, but keeps the attempt count until stable', () => {
    const connected = run({ type: 'connect' }, { type: 'retry', error: lost, retryAt: 100 }, { type: 'connected', transport: 'websocket', diagnosis: undefined })
    expect(connected).toMatchObject({ status: 'connected', attempt: 1, retryAt: undefined, error: undefined })
    expect(reduceConnection(connected, { type: 'stable' })).toMatchObject({ status: 'connected', attempt: 0 })
  })

  it('returns the same object when nothing changes, so snapshots stay referentially stable', () => {
    const connected = run({ type: 'connect' }, { type: 'connected', transport: 'websocket', diagnosis: undefined })
    expect(reduceConnection(connected, { type: 'stable' })).toBe(connected)
  })

  it('goes offline without a transport or retry time', () => {
    const state = run({ type: 'connect' }, { type: 'connected', transport: 'websocket', diagnosis: undefined }, { type: 'offline' })
    expect(state).toMatchObject({ status: 'offline', transport: undefined, retryAt: undefined })
  })

  it('stops as disconnected with the terminal error, and a new connect starts from scratch', () => {
    const error = new RealtimeError('UNAUTHORIZED')
    const stopped = run({ type: 'connect' }, { type: 'retry', error: lost, retryAt: 1 }, { type: 'stop', error })
    expect(stopped).toMatchObject({ status: 'disconnected', error, transport: undefined })
    expect(reduceConnection(stopped, { type: 'connect' })).toEqual({ ...IDLE, status: 'connecting' })
  })
  it('carries the diagnosis of a fallback, takes one found later, and clears it back on the first transport', () => {
    const onSse = run({ type: 'connect' }, { type: 'connected', transport: 'sse', diagnosis: 'UPGRADE_REFUSED' })
    expect(onSse).toMatchObject({ transport: 'sse', diagnosis: 'UPGRADE_REFUSED' })
    const found = reduceConnection(onSse, { type: 'diagnosis', diagnosis: 'WEBSOCKET_SILENT' })
    expect(found.diagnosis).toBe('WEBSOCKET_SILENT')
    expect(reduceConnection(found, { type: 'diagnosis', diagnosis: 'WEBSOCKET_SILENT' })).toBe(found)
    expect(reduceConnection(found, { type: 'connected', transport: 'websocket', diagnosis: undefined }).diagnosis).toBeUndefined()
  })

  it('reports SERVER_UNREACHABLE as the diagnosis while no transport reaches the server, and keeps a fallback reason through other failures', () => {
    const unreachable = new RealtimeError('SERVER_UNREACHABLE')
    expect(run({ type: 'connect' }, { type: 'retry', error: unreachable, retryAt: 1 })).toMatchObject({ error: unreachable, diagnosis: 'SERVER_UNREACHABLE' })
    const onFallback = run({ type: 'connect' }, { type: 'connected', transport: 'long-polling', diagnosis: 'SSE_BUFFERED' }, { type: 'retry', error: lost, retryAt: 1 })
    expect(onFallback).toMatchObject({ error: lost, diagnosis: 'SSE_BUFFERED' })
  })
})
