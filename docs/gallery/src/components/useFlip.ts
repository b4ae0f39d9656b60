import { useLayoutEffect, useRef } from 'react'

/**
 * FLIP reordering: after each render where `order` changed, every element registered with `ref(key)`
 * starts from where it was and glides to where it is now.
 * @returns a ref callback factory for the moving elements
 */
export function useFlip(order: readonly string[], durationMs = 400): (key: string) => (element: HTMLElement | null) => void {
  const elements = useRef(new Map<string, HTMLElement>())
  const lastTops = useRef(new Map<string, number>())
  const orderKey = order.join('\u0000')
  useLayoutEffect(() => {
    const tops = new Map<string, number>()
    for (const [key, element] of elements.current) {
      const top = element.getBoundingClientRect().top
      tops.set(key, top)
      const before = lastTops.current.get(key)
      if (before === undefined || before === top) continue
      // Invert: put it back where it was, then play: let the transition take it home.
      element.animate([{ transform: `translateY(${before - top}px)` }, { transform: 'translateY(0)' }], { duration: durationMs, easing: 'ease-out' })
    }
    lastTops.current = tops
  }, [orderKey, durationMs])
  return (key) => (element) => {
    if (element) elements.current.set(key, element)
    else elements.current.delete(key)
  }
}
