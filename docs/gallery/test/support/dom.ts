import type { Page } from '@lifeline/testkit'

// What the tests read and do on a story page, the same way in every engine. Each function passed
// to the page runs there: it may use only its argument and the page's globals.

/** How a test names an element: a `data-testid`, or a button by its text or `aria-label`. */
export type Target = { testId: string; within?: string } | { button: string } | { css: string }

/** The first element `target` names, found in the page (the source of this function is sent there). */
const find = `(target) => {
  if ('button' in target) return [...document.querySelectorAll('button')].find((b) => (b.getAttribute('aria-label') || b.textContent.trim()) === target.button) || null
  if ('css' in target) return document.querySelector(target.css)
  const scope = target.within ? document.querySelector('[data-testid="' + target.within + '"]') : document
  return scope && scope.querySelector('[data-testid="' + target.testId + '"]')
}`

/** Text of the first element with `data-testid` = `testId`, or `null` when there is none. */
export function text(page: Page, testId: string): Promise<string | null> {
  return page.evaluate((id: string) => document.querySelector(`[data-testid="${id}"]`)?.textContent ?? null, testId)
}

/** Texts of every element that matches `selector`. */
export function texts(page: Page, selector: string): Promise<string[]> {
  return page.evaluate((css: string) => [...document.querySelectorAll(css)].map((element) => element.textContent ?? ''), selector)
}

export async function number(page: Page, testId: string): Promise<number> {
  return Number(await text(page, testId))
}

/** How many elements match `selector`. */
export function count(page: Page, selector: string): Promise<number> {
  return page.evaluate((css: string) => document.querySelectorAll(css).length, selector)
}

/** An attribute of the element `target` names (`null` when absent). */
export function attribute(page: Page, target: Target, name: string): Promise<string | null> {
  return page.evaluate(`(${find})(${JSON.stringify(target)})?.getAttribute(${JSON.stringify(name)}) ?? null`)
}

/** How often `needle` occurs in the page's text. */
export function occurrences(page: Page, needle: string): Promise<number> {
  return page.evaluate((search: string) => document.body.textContent!.split(search).length - 1, needle)
}

/** Waits until `needle` is in the page's text, or in the text of the element with `data-testid` = `within`. */
export async function waitForText(page: Page, needle: string, { within, timeoutMs = 20_000 }: { within?: string; timeoutMs?: number } = {}): Promise<void> {
  await page.waitFor(([search, scope]: [string, string | undefined]) => (scope ? document.querySelector(`[data-testid="${scope}"]`) : document.body)?.textContent?.includes(search), { arg: [needle, within], timeoutMs })
}

/** Waits until the element `target` names exists. */
export async function waitForElement(page: Page, target: Target, timeoutMs = 20_000): Promise<void> {
  await page.waitFor(`(target) => !!(${find})(target)`, { arg: target, timeoutMs }).catch(() => {
    throw new Error(`no element ${JSON.stringify(target)} within ${timeoutMs} ms in ${page.engine}`)
  })
}

/** Waits until the element `target` names exists and is enabled, then clicks it (a DOM click: React sees it like a user's). */
export async function click(page: Page, target: Target, timeoutMs = 20_000): Promise<void> {
  const clickWhenEnabled = `(target) => { const element = (${find})(target); if (!element || element.disabled) return false; element.click(); return true }`
  await page.waitFor(clickWhenEnabled, { arg: target, timeoutMs }).catch(() => {
    throw new Error(`no enabled element ${JSON.stringify(target)} to click within ${timeoutMs} ms in ${page.engine}`)
  })
}

/** Types `value` into the input with `aria-label` = `label`, through the setter React listens behind. */
export async function fill(page: Page, label: string, value: string): Promise<void> {
  await page.evaluate(
    ([name, typed]: [string, string]) => {
      const input = document.querySelector<HTMLInputElement>(`input[aria-label="${name}"]`)
      if (!input) throw new Error(`no input labelled ${name}`)
      // React tracks the value it set; only the prototype's setter makes the change visible to it.
      Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!.call(input, typed)
      input.dispatchEvent(new Event('input', { bubbles: true }))
    },
    [label, value],
  )
}
