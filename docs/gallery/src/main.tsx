import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { composeStories } from './gallery/composeStories'
import { Gallery } from './gallery/Gallery'
import { STORY_MODULES } from './gallery/storyModules'

const stories = composeStories(STORY_MODULES)

// StrictMode on purpose: its double mount must still make one connection and one subscription.
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <Gallery stories={stories} />
  </StrictMode>,
)
