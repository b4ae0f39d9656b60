/** The method section of RESULTS.md: how each figure is produced, and what it does not say. */
export const METHOD = `TODO`
