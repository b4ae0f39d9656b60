// Only `process.env.NODE_ENV`, which bundlers replace; the browser client has no Node typings.
declare const process: { env: { NODE_ENV?: string } }

/**
 * Whether to spend bytes on guidance for developers. Bundlers replace `process.env.NODE_ENV` with
 * "production" in production builds (esbuild does with `--minify`, webpack in production mode,
 * Vite in builds), so the long messages behind it are dropped there; the checks themselves stay.
 * @note The built client imports `mitt` by its package name, so it always runs through a bundler
 * (or a CDN that bundles), or in Node, where `process` exists.
 * @note Bundlers inline this constant only after tree shaking: helpers that only the development
 * messages use stay in the bundle. Where a message needs such helpers, write
 * `process.env.NODE_ENV !== 'production'` at the use instead (as options.ts does), which is folded
 * while parsing.
 */
export const DEV = process.env.NODE_ENV !== 'production'
