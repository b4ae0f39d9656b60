/**
 * `@lifeline/testkit/docs`: the check that a guide prints each sample exactly as the file it comes
 * from has it (a block marked `<!-- sample: path#name -->`).
 */
export { printedSamples, guidesWithSamples, sampleSource } from './docsSamples'
export type { PrintedSample } from './docsSamples'
