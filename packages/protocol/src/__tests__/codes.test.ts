import { describe, expect, it } from 'vitest'
import { closeInfo, CloseCode, ERRORS } from '../index'

describe('closeInfo', () => {
  it('tells the client what to do after each close code', () => {
    expect(closeInfo(CloseCode.NORMAL).action).toBe('none')
    expect(closeInfo(1006).action).toBe('backoff')
    expect(closeInfo(CloseCode.SLOW_CONSUMER).action).toBe('backoff')
    expect(closeInfo(CloseCode.SHUTDOWN).action).toBe('reconnect-now')
    expect(closeInfo(CloseCode.TOKEN_EXPIRED)).toMatchObject({ action: 'refresh', error: 'TOKEN_EXPIRED' })
    expect(closeInfo(CloseCode.BAD_PROTOCOL)).toMatchObject({ action: 'stop', error: 'UNSUPPORTED_VERSION' })
  })

  it('reads an unknown code inside a documented range as that range', () => {
    expect(closeInfo(4099).action).toBe('backoff')
    expect(closeInfo(4150).action).toBe('reconnect-now')
    expect(closeInfo(4299).action).toBe('refresh')
    expect(closeInfo(4399).action).toBe('stop')
    expect(closeInfo(4400).action).toBe('backoff')
    expect(closeInfo(3000).action).toBe('backoff')
  })

  it('names every close code once', () => {
    expect(CloseCode).toMatchObject({ NORMAL: 1000, SHUTDOWN: 4100, TOKEN_EXPIRED: 4200, FORBIDDEN: 4300 })
  })
})

describe('ERRORS', () => {
  it('gives every error code an HTTP status, and marks retryable exactly the codes a retry can fix', () => {
    for (const { status } of Object.values(ERRORS)) expect(status).toBeGreaterThanOrEqual(400)
    const retryable = Object.entries(ERRORS).filter(([, info]) => info.retryable).map(([code]) => code)
    expect(retryable.sort()).toEqual(['BAD_TICKET', 'INTERNAL', 'RATE_LIMITED', 'SESSION_NOT_FOUND', 'TOKEN_EXPIRED', 'UNAVAILABLE'])
  })
})
