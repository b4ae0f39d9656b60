"""Counters for `GET /healthz` and `GET /metrics` (Prometheus text format)."""
import collections

TRANSPORTS = ("websocket", "sse", "poll")


class Metrics:
    def __init__(self):
        self.connections = {transport: 0 for transport in TRANSPORTS}
        self.messages_in = 0
        self.messages_out = 0
        self.errors = collections.Counter()

    def opened(self, transport):
        self.connections[transport] += 1

    def closed(self, transport):
        self.connections[transport] -= 1

    def error(self, code):
        self.errors[code] += 1

    def render(self, degraded):
        lines = [
            "# HELP lifeline_connections Open connections by transport.",
            "# TYPE lifeline_connections gauge",
            *(f'lifeline_connections{{transport="{t}"}} {n}' for t, n in self.connections.items()),
            "# HELP lifeline_messages_in_total Frames received from clients.",
            "# TYPE lifeline_messages_in_total counter",
            f"lifeline_messages_in_total {self.messages_in}",
            "# HELP lifeline_messages_out_total Frames sent to clients.",
            "# TYPE lifeline_messages_out_total counter",
            f"lifeline_messages_out_total {self.messages_out}",
            "# HELP lifeline_errors_total Errors by code.",
            "# TYPE lifeline_errors_total counter",
            *(f'lifeline_errors_total{{code="{code}"}} {n}' for code, n in sorted(self.errors.items())),
            "# HELP lifeline_broker_degraded 1 while Redis is unreachable.",
            "# TYPE lifeline_broker_degraded gauge",
            f"lifeline_broker_degraded {1 if degraded else 0}",
        ]
        return "\n".join(lines) + "\n"
