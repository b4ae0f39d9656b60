// Every `*.stories.tsx` file the gallery lists, in sidebar order. Rollup needs static imports.
import * as notificationCentre from '../stories/NotificationCentre.stories'
import * as liveDashboard from '../stories/LiveDashboard.stories'
import * as leaderboard from '../stories/Leaderboard.stories'
import * as kanbanBoard from '../stories/KanbanBoard.stories'
import * as trackComments from '../stories/TrackComments.stories'
import * as fallbackLab from '../stories/FallbackLab.stories'
import * as authLab from '../stories/AuthLab.stories'
import * as tabsLab from '../stories/TabsLab.stories'
import * as connectionInspector from '../stories/ConnectionInspector.stories'

export const STORY_MODULES = [notificationCentre, liveDashboard, leaderboard, kanbanBoard, trackComments, fallbackLab, authLab, tabsLab, connectionInspector]
