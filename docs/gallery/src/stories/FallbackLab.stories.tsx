import { FallbackLab } from '../components/FallbackLab'
import type { Meta, StoryObj } from '../csf'
import { withRealtime } from '../realtime/withRealtime'

const meta = {
  title: 'Labs/Fallback lab',
  component: FallbackLab,
  decorators: [withRealtime],
  args: { user: 'ada', ticker: 'demo:ticker' },
  // Probe WebSocket every 2-4 s while on SSE (default 5 s, doubling to 5 min), so the move back shows quickly.
  parameters: { realtime: { upgradeDelay: { minMs: 2000, maxMs: 4000 } } },
} satisfies Meta<typeof FallbackLab>
export default meta

type Story = StoryObj<typeof meta>

export const Default: Story = {}
