// The export condition under which every workspace package points at its TypeScript sources, so
// tests, the gallery and Storybook run the code as written, without a build. Published manifests
// never carry it (the consumer test checks). tsconfig.base.json names it too, in
// `customConditions` (JSON cannot import).
export const SOURCE_CONDITION = '@lifeline/source'

// Vite's `resolve.conditions`: setting them replaces Vite's defaults, so those follow ours.
export const browserConditions = [SOURCE_CONDITION, 'module', 'browser', 'development|production']
export const nodeConditions = [SOURCE_CONDITION, 'module', 'node', 'development|production']
