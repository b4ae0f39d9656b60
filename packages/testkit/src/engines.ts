import { accessSync, constants } from 'node:fs'

/** The browser engines every browser test runs in. */
export type Engine = 'chromium' | 'firefox' | 'webkit'

/** Every engine, in the order tests run them: `describe.each(ENGINES)`. */
export const ENGINES: readonly Engine[] = ['chromium', 'firefox', 'webkit']

interface Binary {
  /** What the error message calls it. */
  name: string
  path: string
  /** The Debian package that installs it. */
  aptPackage: string
}

/** The programs an engine needs, from Debian's packages; environment variables override the paths. */
export function binariesOf(engine: Engine): Binary[] {
  const env = process.env
  switch (engine) {
    case 'chromium':
      return [{ name: 'chromium', path: env.CHROMIUM_PATH ?? '/usr/bin/chromium', aptPackage: 'chromium' }]
    case 'firefox':
      return [{ name: 'firefox-esr', path: env.FIREFOX_PATH ?? '/usr/bin/firefox-esr', aptPackage: 'firefox-esr' }]
    case 'webkit':
      return [
        { name: 'WebKitWebDriver', path: env.WEBKIT_WEBDRIVER_PATH ?? '/usr/bin/WebKitWebDriver', aptPackage: 'webkit2gtk-driver' },
        { name: 'MiniBrowser', path: env.WEBKIT_MINIBROWSER_PATH ?? '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser', aptPackage: 'webkit2gtk-driver' },
        // WebKitGTK has no headless mode: it draws into a virtual X server.
        { name: 'Xvfb', path: env.XVFB_PATH ?? '/usr/bin/Xvfb', aptPackage: 'xvfb' },
      ]
  }
}

/** Path of the program `name` of `engine`. */
export function binaryPath(engine: Engine, name: string): string {
  return binariesOf(engine).find((binary) => binary.name === name)!.path
}

/**
 * Throws at once, with the command that installs it, when a program `engine` needs is missing, so
 * a test fails in its first second instead of at a launch timeout.
 * @example assertInstalled('firefox') // Error: firefox-esr not found at /usr/bin/firefox-esr: apt-get install -y firefox-esr
 */
export function assertInstalled(engine: Engine): void {
  if (!ENGINES.includes(engine)) throw new TypeError(`unknown browser engine "${String(engine)}": use one of ${ENGINES.join(', ')}`)
  for (const binary of binariesOf(engine)) {
    try {
      accessSync(binary.path, constants.X_OK)
    } catch {
      throw new Error(`${binary.name} not found at ${binary.path}: apt-get install -y ${binary.aptPackage}`)
    }
  }
}
