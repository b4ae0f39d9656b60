import { guidesWithSamples, printedSamples, sampleSource } from '@lifeline/testkit/docs'
import { describe, expect, it } from 'vitest'

// Some guides print code from files that run (tests, the mock server's docs); this keeps each printed
// sample identical to its file. (Guides whose blocks are whole files of their own, such as
// getting-started.md, are compiled and run by the consumer test instead.) A block marked
// `<!-- sample: path -->` is the whole file; `path#name` is the region between `// sample: name` and
// `// end sample` in it, without its common indentation. Paths are relative to the repository root.

const guides = guidesWithSamples()

describe('docs samples', () => {
  it('are found in the guides that print code from files', () => {
    expect(guides).toEqual(expect.arrayContaining(['docs/client.md', 'docs/errors.md', 'docs/mock-server.md', 'docs/testing.md']))
  })

  describe.each(guides)('%s', (guide) => {
    it.each(printedSamples(guide).map(({ reference, code }) => [reference, code]))('prints %s as the file has it', (reference, code) => {
      expect(code).toBe(sampleSource(reference))
    })
  })
})
