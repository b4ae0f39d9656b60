import { render } from '@testing-library/react'
import { version as reactVersion } from 'react'
import { version as reactDomVersion } from 'react-dom'
import { expect, it } from 'vitest'

// The react and react-18 projects run the same tests; this one proves each runs on the React it names.
it('runs on the React major of its vitest project, the hooks, ReactDOM and Testing Library alike', () => {
  const major = process.env.REACT_MAJOR
  expect(major).toMatch(/^\d+$/)
  expect(reactVersion.split('.')[0]).toBe(major)
  expect(reactDomVersion.split('.')[0]).toBe(major)
  // Testing Library renders through its own ReactDOM import: a mismatch with `react` would throw here.
  const { container } = render(<p>{reactVersion}</p>)
  expect(container.textContent).toBe(reactVersion)
})
