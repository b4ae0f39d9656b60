import { jwtVerifier } from '@lifeline/mock-server'
import { describe, expect, it } from 'vitest'
import { forgeToken, jwtPayload, signHs256, unsignedToken } from '../jwt'

const exp = () => Math.floor(Date.now() / 1000) + 600

describe("the kit's own JWTs", () => {
  it('signs HS256 tokens that a JWT library (jose, in the mock server) accepts', async () => {
    const token = signHs256({ sub: 'ada', roles: ['admin'], exp: exp() }, 'shh')
    await expect(jwtVerifier('shh')(token)).resolves.toMatchObject({ sub: 'ada', roles: ['admin'] })
    await expect(jwtVerifier('other')(token)).rejects.toMatchObject({ code: 'UNAUTHORIZED' })
  })

  it('forges tokens with the same claims that the library refuses: another signature, and alg: none', async () => {
    const token = signHs256({ sub: 'ada', exp: exp() }, 'shh')
    const forged = forgeToken(token)
    const unsigned = unsignedToken(token)!
    expect(jwtPayload(forged)).toEqual(jwtPayload(token))
    expect(jwtPayload(unsigned)).toEqual(jwtPayload(token))
    await expect(jwtVerifier('shh')(forged)).rejects.toMatchObject({ code: 'UNAUTHORIZED' })
    await expect(jwtVerifier('shh')(unsigned)).rejects.toMatchObject({ code: 'UNAUTHORIZED' })
  })

  it('alters an opaque token, and makes no alg: none variant of it', () => {
    expect(forgeToken('opaque-token-A')).toBe('opaque-token-B')
    expect(unsignedToken('opaque')).toBeUndefined()
    expect(jwtPayload('opaque')).toBeUndefined()
  })
})
