// The test pages' `getToken`, one module both pages load: a token for `sub` from `/test/token` on
// the server that served the page, which signs it with the mock server's default secret.

/**
 * @param {string} sub who the token is for
 * @returns {() => Promise<string>} the client's `getToken`
 */
export const testToken = (sub) => async () => {
  const response = await fetch(`/test/token?sub=${encodeURIComponent(sub)}`)
  if (!response.ok) throw new Error(`/test/token answered ${response.status}`)
  return response.text()
}
