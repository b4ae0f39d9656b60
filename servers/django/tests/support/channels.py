"""Channel steps most tests share: publishing through the API, subscribing a WebSocket client."""
from .clients import WsClient
from .http_client import request
from .tokens import API_KEY, token


async def api_publish(server, channel, data, event="update", key=None):
    """`POST /publish` as the server; returns the outcome `{position, duplicate}`."""
    body = {"channel": channel, "event": event, "data": data, **({"key": key} if key else {})}
    answer = await request("POST", f"{server.url}/publish", {"Authorization": f"Bearer {API_KEY}"}, body)
    assert answer.status == 200, answer.body
    return answer.json()


async def publish_numbered(server, channel, numbers):
    """Publishes `{"n": n}` for each of `numbers`, in order; returns the outcomes."""
    return [await api_publish(server, channel, {"n": n}) for n in numbers]


async def subscribed(server, channel, **options):
    """A new WebSocket client (the default user) subscribed to `channel` with `options` (`since`,
    `rewind`, …), and the subscribe reply."""
    client = await WsClient.open(server, token())
    reply = await client.command("subscribe", channel=channel, **options)
    return client, reply


async def first_message_after_subscribing(server, channel, data, **options):
    """Subscribes a new client with `options`, then publishes `data`; returns the subscribe reply,
    the publish outcome and the first message the client received after the reply."""
    client, reply = await subscribed(server, channel, **options)
    published = await api_publish(server, channel, data)
    message = (await client.messages(1))[0]
    client.close()
    return reply, published, message
