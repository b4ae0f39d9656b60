import { useMemo, useSyncExternalStore } from 'react'
import { ArgsPanel } from './ArgsPanel'
import type { ComposedStory } from './composeStories'
import { StoryErrorBoundary } from './StoryErrorBoundary'
import { parseStoryLocation } from './storyLocation'

const subscribeToHash = (listener: () => void) => {
  window.addEventListener('hashchange', listener)
  return () => window.removeEventListener('hashchange', listener)
}
const readHash = () => location.hash

/**
 * The gallery page: stories grouped by title in the sidebar; the selected one (`#<story id>`,
 * with `&args=name:value;…` overrides) beside its connection inspector, with its args below.
 */
export function Gallery({ stories }: { stories: ComposedStory[] }) {
  const hash = useSyncExternalStore(subscribeToHash, readHash, () => '')
  const location = parseStoryLocation(hash)
  const selected = stories.find((story) => story.id === location.id) ?? stories[0]!
  const overrides = JSON.stringify(location.args)
  const args = useMemo(() => ({ ...selected.args, ...location.args }), [selected, overrides])
  const Story = useMemo(() => selected.bind(args), [selected, args])
  const titles = [...new Set(stories.map((story) => story.title))]
  return (
    <div className="gallery">
      <nav className="sidebar" aria-label="stories">
        <h1>Lifeline gallery</h1>
        {titles.map((title) => (
          <section key={title}>
            <h2>{title}</h2>
            <ul>
              {stories
                .filter((story) => story.title === title)
                .map((story) => (
                  <li key={story.id}>
                    <a href={`#${story.id}`} aria-current={story === selected ? 'page' : undefined} data-story-id={story.id}>
                      {story.name}
                    </a>
                  </li>
                ))}
            </ul>
          </section>
        ))}
      </nav>
      <main className="story-view" data-testid="story-view" data-story-id={selected.id}>
        <header>
          <p className="muted">{selected.title}</p>
          <h2>{selected.name}</h2>
        </header>
        {/* Keyed by story and args: each mounts fresh, with its own client. */}
        <StoryErrorBoundary key={`${selected.id}${overrides}`}>
          <Story />
        </StoryErrorBoundary>
        <ArgsPanel args={args} parameters={selected.parameters} />
      </main>
    </div>
  )
}
