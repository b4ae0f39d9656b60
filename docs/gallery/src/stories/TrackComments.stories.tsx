import { TrackComments } from '../components/TrackComments'
import type { Meta, StoryObj } from '../csf'
import { withRealtime } from '../realtime/withRealtime'

const meta = {
  title: 'Demos/Comments on a track',
  component: TrackComments,
  decorators: [withRealtime],
  args: { user: 'ada', track: 'typescript', tracks: ['typescript', 'rust', 'go'] },
} satisfies Meta<typeof TrackComments>
export default meta

type Story = StoryObj<typeof meta>

export const TypeScriptTrack: Story = { name: 'TypeScript track' }

export const AsGrace: Story = { args: { user: 'grace' } }
