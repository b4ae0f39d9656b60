"""Answers requests routed to a session held by this process."""
from .answers import verdict_answer


async def _value(value):
    return value


class RoutingHandler:
    """For SSE sessions: upstream commands only. It leaves with the session."""

    release_on_close = True

    def __init__(self, session):
        self.session = session

    def handle(self, request):
        """An awaitable HTTP answer for `request` (`{kind, subject, frame}`)."""
        if request.get("kind") == "send":
            return _value(verdict_answer(self.session.upstream(request["subject"], request["frame"])))
        return None
