import { describe, expect, it } from 'vitest'
import { bareHost, httpUrl } from '../httpUrl'

describe('httpUrl', () => {
  it('puts an IPv6 literal in brackets, so the port stays apart from the address', () => {
    expect(httpUrl('::1', 8080)).toBe('http://[::1]:8080')
    expect(httpUrl('fd00::2:1', 80)).toBe('http://[fd00::2:1]:80')
    expect(new URL(httpUrl('::1', 8080))).toMatchObject({ hostname: '[::1]', port: '8080' })
  })

  it('prints the unspecified addresses alike: 0.0.0.0 as it is, :: as [::]', () => {
    expect(httpUrl('0.0.0.0', 8080)).toBe('http://0.0.0.0:8080')
    expect(httpUrl('::', 8080)).toBe('http://[::]:8080')
  })

  it('takes the brackets off again for listen and connect, and leaves other hosts alone', () => {
    expect(bareHost(new URL(httpUrl('::1', 8080)).hostname)).toBe('::1')
    expect(bareHost('[fd00::2:1]')).toBe('fd00::2:1')
    expect([bareHost('127.0.0.1'), bareHost('localhost')]).toEqual(['127.0.0.1', 'localhost'])
  })

  it('leaves IPv4 addresses and host names as they are', () => {
    expect(httpUrl('127.0.0.1', 41234)).toBe('http://127.0.0.1:41234')
    expect(httpUrl('localhost', 3000)).toBe('http://localhost:3000')
  })
})
