// Loads a `.lua` file as a module whose default export is its text. The Redis scripts live once,
// in packages/protocol/redis, for the Django backend to read as files and the mock server to
// import: rollup inlines them as strings into the built packages, and vitest runs the sources with
// the same strings (a Vite plugin has a rollup plugin's shape). esbuild has its own `text` loader.

/** Matches a module id ending in `.lua`, Vite's `?query` suffixes included. */
const LUA = /\.lua(?:\?|$)/

export function luaText() {
  return {
    name: 'lua-text',
    transform: (code, id) => (LUA.test(id) ? { code: `export default ${JSON.stringify(code)}`, map: { mappings: '' } } : null),
  }
}
