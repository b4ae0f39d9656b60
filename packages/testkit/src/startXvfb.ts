import { binaryPath } from './engines'
import { spawnGroup, type Group } from './processGroup'

export interface VirtualDisplay {
  /** For `DISPLAY`, e.g. `:3`. */
  readonly display: string
  readonly group: Group
}

/**
 * A private Xvfb on a free display number: `-displayfd` makes Xvfb pick one that no other X
 * server holds and print it, so parallel runs never collide (what `xvfb-run -a` guesses at).
 */
export async function startXvfb(): Promise<VirtualDisplay> {
  const group = await spawnGroup(binaryPath('webkit', 'Xvfb'), ['-displayfd', '1', '-screen', '0', '1600x1200x24', '-nolisten', 'tcp'])
  try {
    const [, number] = await group.waitForOutput(/^(\d+)\n/m, 10_000)
    return { display: `:${number}`, group }
  } catch (error) {
    await group.stop()
    throw error
  }
}
