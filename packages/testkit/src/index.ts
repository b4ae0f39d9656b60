/**
 * `@lifeline/testkit`: one small page API over Chromium (playwright-core), Firefox (puppeteer-core,
 * WebDriver BiDi) and WebKitGTK (WebKitWebDriver, classic WebDriver), so a browser scenario is
 * written once and runs in each engine.
 */
export { launchBrowser } from './launchBrowser'
export { ENGINES, assertInstalled } from './engines'
export type { Engine } from './engines'
export type { Browser, Page, PageOptions, PageFunction, WaitForOptions } from './browser'
export { livingMembers } from './processGroup'
