import type { Parameters } from '../csf'

/** The story's args (and the client options it sets through `parameters.realtime`), read-only. */
export function ArgsPanel({ args, parameters }: { args: Record<string, unknown>; parameters: Parameters }) {
  return (
    <section className="args-panel" aria-label="args">
      <h3>Args</h3>
      <table data-testid="args">
        <tbody>
          {Object.entries(args).map(([name, value]) => (
            <tr key={name}>
              <th scope="row">{name}</th>
              <td>
                <code>{JSON.stringify(value)}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {parameters.realtime !== undefined && (
        <p>
          Client options (<code>parameters.realtime</code>): <code>{JSON.stringify(parameters.realtime)}</code>
        </p>
      )}
      <p className="muted">
        Override string args in the address: <code>#story-id&amp;args=user:grace</code>
      </p>
    </section>
  )
}
