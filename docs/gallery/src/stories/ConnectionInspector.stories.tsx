import { ConnectionInspector } from '../inspector/ConnectionInspector'
import type { Meta, StoryObj } from '../csf'
import type { SessionArgs } from '../realtime/demoSession'
import { withRealtime } from '../realtime/withRealtime'

const meta: Meta<typeof ConnectionInspector, SessionArgs> = {
  title: 'Tools/Connection inspector',
  component: ConnectionInspector,
  decorators: [withRealtime],
  // The decorator's own inspector would show the same thing twice.
  parameters: { inspector: false },
  args: { user: 'ada', watch: ['leaderboard'], recentFrames: 20 },
}
export default meta

type Story = StoryObj<typeof meta>

export const WatchingTheLeaderboard: Story = {}
