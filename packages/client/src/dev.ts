// Only `process.env.NODE_ENV`, which bundlers replace; the browser client has no Node typings.
declare const process: { env: { NODE_ENV?: string } }

/**
 * Whether to spend bytes on guidance for developers. Bundlers replace `process.env.NODE_ENV` with
 * "production" in production builds (esbuild does with `--minify`, webpack in production mode,
 * Vite in builds), so the long messages behind it are dropped there; the checks themselves stay.
 * @note Loaded without a bundler (an import map, a CDN serving our files as they are) there is no
 * `process`: the `typeof` guard keeps the client from throwing at import, and it then uses the
 * short messages. Bundlers fold the guard away with the constant.
 * @note Bundlers inline this constant only after tree shaking: helpers that only the development
 * messages use stay in the bundle. Where a message needs such helpers, write
 * `process.env.NODE_ENV !== 'production'` at the use instead (as options.ts does), which is folded
 * while parsing.
 */
export const DEV = typeof process !== 'undefined' && process.env.NODE_ENV !== 'production'
