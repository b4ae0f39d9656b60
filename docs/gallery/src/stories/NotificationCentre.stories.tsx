import { NotificationCentre } from '../components/NotificationCentre'
import type { Meta, StoryObj } from '../csf'
import { withRealtime } from '../realtime/withRealtime'

const meta = {
  title: 'Demos/Notification centre',
  component: NotificationCentre,
  decorators: [withRealtime],
  args: { user: 'ada', limit: 20 },
} satisfies Meta<typeof NotificationCentre>
export default meta

type Story = StoryObj<typeof meta>

export const ForAda: Story = {}

export const ForGrace: Story = { args: { user: 'grace' } }
