// The type of `import script from '@lifeline/protocol/redis/<name>.lua'`: the file's text, which
// every bundler and test runner of the repository loads as a string (the root luaText.mjs plugin,
// esbuild's `text` loader).
declare const script: string
export default script
