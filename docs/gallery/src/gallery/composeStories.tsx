import type { ComponentType } from 'react'
import type { Meta, Parameters, StoryContext, StoryObj } from '../csf'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyMeta = Meta<ComponentType<any>, any>
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyStory = StoryObj<any>

/** A CSF module as `import * as module` sees it. */
export type CsfModule = { default: AnyMeta } & Record<string, unknown>

/** One story, ready to render: args merged and decorators applied as Storybook does. */
export interface ComposedStory {
  /** Storybook's id scheme, e.g. `labs-fallback-lab--default`. */
  id: string
  title: string
  name: string
  /** The story's own args (the meta's, then the story's). */
  args: Record<string, unknown>
  parameters: Parameters
  /** The story as a component, rendered with `args` (for example the defaults plus URL overrides). */
  bind(args: Record<string, unknown>): ComponentType
}

/** `'Labs/Fallback lab'` → `'labs-fallback-lab'`, like Storybook's `sanitize`. */
const sanitize = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')

/** `'AsMentor'` → `'As Mentor'`, like Storybook's `storyNameFromExport`. */
const nameFromExport = (exportName: string) => exportName.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/^./, (first) => first.toUpperCase())

/** Every named export of every module, composed. Story decorators wrap first, then the meta's. */
export function composeStories(modules: CsfModule[]): ComposedStory[] {
  return modules.flatMap(({ default: meta, ...exports }) =>
    Object.entries(exports).map(([exportName, value]) => {
      const story = value as AnyStory
      const name = story.name ?? nameFromExport(exportName)
      const id = `${sanitize(meta.title)}--${sanitize(nameFromExport(exportName))}`
      const args = { ...meta.args, ...story.args }
      const parameters = { ...meta.parameters, ...story.parameters }
      const Component = meta.component
      const bind = (boundArgs: Record<string, unknown>) => {
        const context: StoryContext<Record<string, unknown>> = { id, title: meta.title, name, args: boundArgs, parameters }
        let Story: ComponentType = () => (story.render ? story.render(boundArgs) : <Component {...boundArgs} />)
        for (const decorator of [...(story.decorators ?? []), ...(meta.decorators ?? [])]) {
          const Inner: ComponentType = Story
          Story = () => decorator(Inner, context)
        }
        return Story
      }
      return { id, title: meta.title, name, args, parameters, bind }
    }),
  )
}
