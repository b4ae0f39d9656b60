"""What each command does for its session."""
from .auth import AuthError, expires_in_ms, verify_token
from .codes import PROTOCOL_VERSION, CloseCode
from .payload import encode_publication
from .replies import fail, ok
from .subscribing import subscribe


async def run_command(session, command):
    """The command's outcome, or None when it answered on its own."""
    kind = command["type"]
    if kind == "connect":
        await _connect(session, command)
        return None
    if kind == "ping":
        return ok({})
    if kind == "refresh":
        return _refresh(session, command["token"])
    if kind == "subscribe":
        return await subscribe(session, command["id"], command["channel"], command.get("since"), command.get("rewind", 0), command.get("presence"))
    if kind == "unsubscribe":
        return _unsubscribe(session, command["channel"])
    if kind == "publish":
        return await _publish(session, command)
    return fail("UNKNOWN_COMMAND", f"Unknown command type {kind}")


async def _connect(session, command):
    """The `connect` command of a WebSocket."""
    settings = session.runtime.settings
    if session.status != "connecting":
        session.reply(command["id"], fail("ALREADY_CONNECTED", "Already connected"))
        return
    if command["v"] != PROTOCOL_VERSION:
        session.reply(command["id"], fail("UNSUPPORTED_VERSION", f"Protocol version {command['v']} is not supported; this server speaks {PROTOCOL_VERSION}"))
        session.disconnect(CloseCode.BAD_PROTOCOL, "unsupported protocol version")
        return
    try:
        if "token" not in command:
            raise AuthError("UNAUTHORIZED", "connect needs a token")
        claims = verify_token(command["token"], settings.jwt_secret, settings.max_token_lifetime_ms)
    except AuthError as error:
        session.reply(command["id"], {"ok": False, "error": error.body()})
        session.disconnect(CloseCode.TOKEN_EXPIRED if error.code == "TOKEN_EXPIRED" else CloseCode.UNAUTHORIZED, error.message)
        return
    await session.establish(claims, command["id"])


def _refresh(session, token):
    settings = session.runtime.settings
    try:
        claims = verify_token(token, settings.jwt_secret, settings.max_token_lifetime_ms)
    except AuthError as error:
        return {"ok": False, "error": error.body()}
    if claims["sub"] != session.claims["sub"]:
        return fail("FORBIDDEN", "A refresh token must belong to the same user")
    session.renew(claims)
    return ok({"expiresInMs": expires_in_ms(claims)})


def _unsubscribe(session, channel):
    subscription = session.subscriptions.pop(channel, None)
    if subscription is None:
        return fail("NOT_SUBSCRIBED", f"Not subscribed to {channel}")
    if subscription.release:
        subscription.release()
    return ok({})


async def _publish(session, command):
    runtime, channel = session.runtime, command["channel"]
    if not runtime.authorize(session.claims, channel, "publish"):
        return fail("FORBIDDEN", f"Not allowed to publish to {channel}")
    message = encode_publication(command["event"], command["data"], command["key"], runtime.settings.max_frame_bytes)
    sub = session.claims["sub"]
    return ok(await runtime.broker.publish(channel, message, command["key"], "user:" + sub, author=sub))
