import { KanbanBoard } from '../components/KanbanBoard'
import type { Meta, StoryObj } from '../csf'
import { withRealtime } from '../realtime/withRealtime'

const meta = {
  title: 'Demos/Kanban board',
  component: KanbanBoard,
  decorators: [withRealtime],
  args: { user: 'linus', board: 'demo' },
} satisfies Meta<typeof KanbanBoard>
export default meta

type Story = StoryObj<typeof meta>

/** The demo board, where the mock server's sample traffic moves cards too. */
export const SharedBoard: Story = {}

/** A quiet board: only the moves of people viewing it. Open it in two tabs as different users. */
export const PrivateBoard: Story = { args: { board: 'team-7' } }
