/** A GitHub-flavoured Markdown table; the first column is left-aligned, the rest right-aligned. */
export function markdownTable(header: string[], rows: (string | number)[][]): string {
  const align = header.map((_, index) => (index === 0 ? ':--' : '--:'))
  return [header, align, ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n')
}

/** Formats a number with `digits` decimals, or `n/a` when it is not a number. */
export function fixed(value: number, digits = 1): string {
  return Number.isFinite(value) ? value.toFixed(digits) : 'n/a'
}

/** Thousands separators, no decimals. */
export function whole(value: number): string {
  return Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : 'n/a'
}
