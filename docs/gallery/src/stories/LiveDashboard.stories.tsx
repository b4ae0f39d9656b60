import { LiveDashboard } from '../components/LiveDashboard'
import type { Meta, StoryObj } from '../csf'
import { withRealtime } from '../realtime/withRealtime'

const meta = {
  title: 'Demos/Live dashboard',
  component: LiveDashboard,
  decorators: [withRealtime],
  args: { user: 'grace', roles: ['mentor'], points: 30 },
} satisfies Meta<typeof LiveDashboard>
export default meta

type Story = StoryObj<typeof meta>

export const AsMentor: Story = {}

export const AsAdmin: Story = { args: { user: 'ada', roles: ['admin'] } }

/** The `dashboard` channel refuses users without the admin or mentor role. */
export const AsStudent: Story = { args: { user: 'linus', roles: [] } }
