/**
 * The React APIs this package uses, imported from React in this one module. Bundlers that bundle
 * these sources as they are (esbuild does) keep one import statement per module that imports from
 * React; the hooks import from here, so a bundle has one. (Rollup, which builds `dist/`, merges
 * them anyway.)
 */
export { createContext, useCallback, useContext, useEffect, useRef, useState, useSyncExternalStore } from 'react'
export type { Context, ReactNode } from 'react'
