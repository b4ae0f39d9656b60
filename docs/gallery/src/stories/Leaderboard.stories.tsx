import { Leaderboard } from '../components/Leaderboard'
import type { Meta, StoryObj } from '../csf'
import { withRealtime } from '../realtime/withRealtime'

const meta = {
  title: 'Demos/Leaderboard',
  component: Leaderboard,
  decorators: [withRealtime],
  args: { user: 'grace', top: 10 },
} satisfies Meta<typeof Leaderboard>
export default meta

type Story = StoryObj<typeof meta>

export const Default: Story = {}

export const TopThree: Story = { args: { top: 3 } }
