/**
 * The part of Component Story Format 3 the gallery reads, typed like `@storybook/react`'s `Meta`
 * and `StoryObj`: stories written against these drop into a Storybook by changing this import.
 * @see https://storybook.js.org/docs/api/csf
 */
import type { ComponentProps, ComponentType, ReactElement } from 'react'

export interface Parameters {
  [name: string]: unknown
}

export interface StoryContext<Args> {
  id: string
  title: string
  name: string
  args: Args
  parameters: Parameters
}

/** Wraps a story; `Story` renders it (with the context's args). */
export type Decorator<Args = Record<string, unknown>> = (Story: ComponentType, context: StoryContext<Args>) => ReactElement

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyComponent = ComponentType<any>

/**
 * The default export of a `*.stories.tsx` file. `Extra` types args that are not props of the
 * component but that a decorator reads (the viewer's `user`, for example).
 */
export interface Meta<C extends AnyComponent, Extra = unknown> {
  title: string
  component: C
  args?: Partial<ComponentProps<C> & Extra>
  decorators?: Decorator<ComponentProps<C> & Extra>[]
  parameters?: Parameters
}

/** A named export of a `*.stories.tsx` file; `M` is `typeof meta`. */
export interface StoryObj<M extends { component: AnyComponent; args?: object }> {
  name?: string
  args?: Partial<ComponentProps<M['component']>> & Partial<NonNullable<M['args']>>
  decorators?: Decorator<ComponentProps<M['component']>>[]
  parameters?: Parameters
  render?: (args: ComponentProps<M['component']>) => ReactElement
}
