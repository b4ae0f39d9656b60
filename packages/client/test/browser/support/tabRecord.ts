import type { Page } from '@lifeline/testkit'
import type { ConnectionSnapshot, Gap, Position } from '../../../src/index'

/** What a tab of tabsPage.html records about itself, read by the tab-sharing browser tests. */
export interface TabRecord {
  subscribes: string[]
  serverCommands: string[]
  received: { n: number; position: Position }[]
  gaps: Gap[]
  errors: string[]
  channel: { status: string; error?: string } | undefined
  ledAt: number[]
  supported: boolean
}

declare global {
  interface Window {
    tabPage: {
      record: TabRecord
      client: { getSnapshot(): ConnectionSnapshot }
      publish(): Promise<{ duplicate: boolean }>
    }
  }
}

export const snapshotOf = (page: Page) => page.evaluate(() => window.tabPage.client.getSnapshot())
export const recordOf = (page: Page) => page.evaluate(() => window.tabPage.record)
