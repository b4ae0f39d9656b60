import { Component, type ReactNode } from 'react'

/** Shows a story's render error in place of the story, so the rest of the gallery keeps working. */
export class StoryErrorBoundary extends Component<{ children: ReactNode }, { error: Error | undefined }> {
  override state = { error: undefined as Error | undefined }

  static getDerivedStateFromError(error: Error) {
    return { error }
  }

  override render() {
    if (!this.state.error) return this.props.children
    return (
      <pre className="error" role="alert" data-testid="story-error">
        {this.state.error.stack ?? this.state.error.message}
      </pre>
    )
  }
}
