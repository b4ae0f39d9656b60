/** What the kit opened during the current test (sockets, streams, polls), closed by {@link closeOpened}. */
const openedThisTest: (() => unknown)[] = []

/**
 * Registers `close` to run after the current test. The kit's raw clients register themselves, so a
 * test that fails halfway leaves no socket open for the next one.
 */
export function closeAfterTest(close: () => unknown): void {
  openedThisTest.push(close)
}

/**
 * Closes everything registered since the last call, newest first. Run it after each test:
 * `afterEach(closeOpened)` (the mock server's integration tests do, through `useIntegrationHooks`).
 */
export async function closeOpened(): Promise<void> {
  for (const close of openedThisTest.splice(0).reverse()) await close()
}
