/**
 * The React APIs this package uses, imported from React in this one module.
 * @note This module only changes bundles made from these sources: esbuild keeps one import
 * statement per module that imports from React, so the repository's size measurement (esbuild over
 * `src/`) would count one per hook module and overstate what users get: `dist/`, which rollup
 * builds and users install, has a single import from React with or without this module.
 */
export { createContext, useCallback, useContext, useEffect, useRef, useState, useSyncExternalStore } from 'react'
export type { Context, ReactNode } from 'react'
