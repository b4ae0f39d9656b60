"""The short HTTP endpoints: SSE tickets, upstream commands, the publish API, health and metrics."""
from .answers import answer, error_answer
from .auth import AuthError, bearer_token, verify_token
from .broker import SERVER_PUBLISHER
from .codes import PROTOCOL_VERSION
from .frames import Parsed, decode_body, is_channel, parse_command
from .http import HttpEndpoint
from .jsontext import loads
from .payload import encode_publication
from .resp import RedisError, RedisUnavailable


def authenticate(runtime, authorization):
    """Claims of the request's bearer token, or the error answer."""
    token = bearer_token(authorization)
    if not token:
        return error_answer("UNAUTHORIZED", "Authorization: Bearer <token> is required")
    try:
        return verify_token(token, runtime.settings.jwt_secret, runtime.settings.max_token_lifetime_ms)
    except AuthError as error:
        return error_answer(error.code, error.message)


def parse_body(runtime, body):
    """The command in an HTTP body, or the error answer."""
    text = decode_body(body, runtime.settings.max_frame_bytes)
    parsed = text if isinstance(text, Parsed) else parse_command(text, runtime.settings.max_frame_bytes)
    if not parsed.ok:
        runtime.metrics.error(parsed.error["code"])
        return error_answer(parsed.error["code"], parsed.error["message"])
    return parsed.frame


def is_answer(value):
    return isinstance(value, dict) and "status" in value and "text" in value


def parse_connect(runtime, body):
    """The `connect` command of `POST /sse/ticket` and `POST /poll/connect`, or the error answer."""
    frame = parse_body(runtime, body)
    if is_answer(frame):
        return frame
    if frame["type"] != "connect":
        return error_answer("BAD_REQUEST", "The body must be a connect command")
    if frame["v"] != PROTOCOL_VERSION:
        return error_answer("UNSUPPORTED_VERSION", f"This server speaks protocol {PROTOCOL_VERSION}")
    return frame


class ConnectEndpoint(HttpEndpoint):
    """An endpoint that opens a session: the `connect` command as body, the token in
    `Authorization`; `connect` gets the claims and the connect command's id."""

    async def handle(self, runtime, request):
        frame = parse_connect(runtime, request.body)
        if is_answer(frame):
            return frame
        claims = authenticate(runtime, request.header("authorization"))
        if is_answer(claims):
            return claims
        return await self.connect(runtime, request, claims, frame["id"])

    async def connect(self, runtime, request, claims, connect_id):
        raise NotImplementedError


class SessionEndpoint(HttpEndpoint):
    """An endpoint of an open session: the token in `Authorization`, the session in
    `Lifeline-Session`; `handle_session` gets the claims and the session id."""

    async def handle(self, runtime, request):
        claims = authenticate(runtime, request.header("authorization"))
        if is_answer(claims):
            return claims
        session_id = request.header("lifeline-session")
        if not session_id:
            return error_answer("SESSION_NOT_FOUND", "Lifeline-Session header is missing")
        return await self.handle_session(runtime, request, claims, session_id)

    async def handle_session(self, runtime, request, claims, session_id):
        raise NotImplementedError


class TicketEndpoint(ConnectEndpoint):
    """`POST /sse/ticket`: a single-use ticket for `GET /sse`."""

    async def connect(self, runtime, request, claims, connect_id):
        ticket = await runtime.broker.issue_ticket(claims, connect_id)
        return answer(200, {"ticket": ticket, "expiresInMs": runtime.settings.ticket_ttl_ms})


class SendEndpoint(SessionEndpoint):
    """`POST /sse/send`: one command for a session, routed to whichever process holds it."""

    async def handle_session(self, runtime, request, claims, session_id):
        frame = parse_body(runtime, request.body)
        if is_answer(frame):
            return frame
        request = {"kind": "send", "subject": claims["sub"], "frame": frame}
        return await runtime.router.route(session_id, request, runtime.settings.route_timeout_ms / 1000)


class PublishEndpoint(HttpEndpoint):
    """`POST /publish` with `Authorization: Bearer <api key>` and `{channel, event, data, key?}`."""

    async def handle(self, runtime, request):
        api_key = runtime.settings.api_key
        if not api_key or bearer_token(request.header("authorization")) != api_key:
            return error_answer("UNAUTHORIZED", "A valid API key is required")
        if len(request.body) > runtime.settings.max_frame_bytes:
            return error_answer("FRAME_TOO_LARGE", "Body too large")
        try:
            data = loads(request.body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            return error_answer("BAD_REQUEST", "Body is not valid JSON")
        if not isinstance(data, dict) or not is_channel(data.get("channel")) or "data" not in data:
            return error_answer("BAD_REQUEST", "Body must be {channel, event, data, key?}")
        key = data.get("key")
        message = encode_publication(data.get("event"), data["data"], key, runtime.settings.max_frame_bytes)
        outcome = await runtime.broker.publish(data["channel"], message, key, SERVER_PUBLISHER)
        return answer(200, outcome)


class HealthEndpoint(HttpEndpoint):
    """`GET /healthz`: `200 {"status":"ok"}`, or `503 {"status":"degraded", reason}` while Redis is away."""


    methods = ("GET",)

    async def handle(self, runtime, request):
        if not runtime.client.connected:
            try:
                await runtime.client.execute("PING")
            except (RedisUnavailable, RedisError):
                pass
        status, health = runtime.health()
        return answer(status, health)


class MetricsEndpoint(HttpEndpoint):
    """`GET /metrics` in the Prometheus text format."""

    methods = ("GET",)

    async def handle(self, runtime, request):
        text = runtime.metrics.render(runtime.health()[0] != 200).encode()
        await request.send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain; version=0.0.4"), *request.cors]})
        await request.send({"type": "http.response.body", "body": text})
        return None


class WebSocketPath(HttpEndpoint):
    """`/ws` reached without an upgrade: `GET` is told to upgrade (400), other methods get 405 with
    `allow: GET`, like every other known path with a wrong method."""

    methods = ("GET",)

    async def handle(self, runtime, request):
        return error_answer("BAD_REQUEST", "/ws is the WebSocket transport: send a WebSocket upgrade request")
