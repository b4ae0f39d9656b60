import type { Preview } from '@storybook/react-vite'
// The gallery's styles: the stories' components and the connection inspector use its classes.
import '../../gallery/src/gallery.css'

const preview: Preview = {
  parameters: {
    layout: 'padded',
    // Stories are live: a snapshot of their args is all the controls panel needs.
    controls: { expanded: true },
  },
}
export default preview
