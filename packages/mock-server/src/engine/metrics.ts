/** Counters the engine keeps, rendered in Prometheus text format by `GET /metrics`. */
export class Metrics {
  readonly connections = { websocket: 0, sse: 0, 'long-polling': 0 }
  messagesIn = 0
  messagesOut = 0
  readonly errors = new Map<string, number>()

  error(code: string): void {
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1)
  }

  /** @param degraded whether the broker currently reports degraded health */
  render(degraded: boolean): string {
    const lines = [
      '# HELP lifeline_connections Open connections by transport.',
      '# TYPE lifeline_connections gauge',
      `lifeline_connections{transport="websocket"} ${this.connections.websocket}`,
      `lifeline_connections{transport="sse"} ${this.connections.sse}`,
      `lifeline_connections{transport="long-polling"} ${this.connections['long-polling']}`,
      '# HELP lifeline_messages_in_total Frames received from clients.',
      '# TYPE lifeline_messages_in_total counter',
      `lifeline_messages_in_total ${this.messagesIn}`,
      '# HELP lifeline_messages_out_total Frames sent to clients.',
      '# TYPE lifeline_messages_out_total counter',
      `lifeline_messages_out_total ${this.messagesOut}`,
      '# HELP lifeline_errors_total Errors answered to clients, by protocol code.',
      '# TYPE lifeline_errors_total counter',
      ...[...this.errors].map(([code, count]) => `lifeline_errors_total{code="${code}"} ${count}`),
      '# HELP lifeline_broker_degraded 1 while the broker is degraded (for example Redis unreachable).',
      '# TYPE lifeline_broker_degraded gauge',
      `lifeline_broker_degraded ${degraded ? 1 : 0}`,
    ]
    return `${lines.join('\n')}\n`
  }
}
