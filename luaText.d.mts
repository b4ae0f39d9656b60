/** A rollup and Vite plugin that makes `.lua` modules export their text as a string. */
export declare function luaText(): {
  name: string
  transform(code: string, id: string): { code: string; map: { mappings: '' } } | null
}
