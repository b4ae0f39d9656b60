import { AuthLab } from '../components/AuthLab'
import type { Meta, StoryObj } from '../csf'
import { withRealtime } from '../realtime/withRealtime'

const meta = {
  title: 'Labs/Auth lab',
  component: AuthLab,
  decorators: [withRealtime],
  args: { user: 'margaret', tokenTtlSeconds: 6 },
} satisfies Meta<typeof AuthLab>
export default meta

type Story = StoryObj<typeof meta>

/** Six-second tokens: a refresh every five seconds or so, on the same connection. */
export const ShortLivedTokens: Story = {}
