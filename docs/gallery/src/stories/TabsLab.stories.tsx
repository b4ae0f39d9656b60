import { TabsLab } from '../components/TabsLab'
import type { Meta, StoryObj } from '../csf'
import { withRealtime } from '../realtime/withRealtime'

const meta = {
  title: 'Labs/Tabs lab',
  component: TabsLab,
  decorators: [withRealtime],
  args: { user: 'ada', ticker: 'demo:ticker', notes: 'comments:tabs-lab' },
  // The tabs of the story's user share one connection (`share: tabSharing({ key: user })`).
  parameters: { realtime: { shareTabs: true } },
} satisfies Meta<typeof TabsLab>
export default meta

type Story = StoryObj<typeof meta>

/** Open it in several tabs: one leads, the others follow, and the server sees one connection. */
export const Default: Story = {}
