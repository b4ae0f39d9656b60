"""The server's stamp on every message: `meta: {publisher, time}`, the same live and replayed."""
import asyncio
import time
import uuid

from tests.conftest import run
from tests.support.channels import api_publish
from tests.support.clients import SseClient, WsClient
from tests.support.tokens import token


def test_messages_carry_the_publisher_sub_or_null_and_the_server_time_and_a_client_meta_is_ignored(servers, channel, django_settings):
    from lifeline_channels import notify

    async def scenario():
        before = int(time.time() * 1000)
        reader = await WsClient.open(servers[0], token("grace"))
        await reader.command("subscribe", channel=channel)
        ada = await WsClient.open(servers[0], token("ada"))
        bob = await SseClient.open(servers[1], token("bob"))
        await ada.command("publish", channel=channel, event="e", data={"n": 1}, key=uuid.uuid4().hex)
        # A meta in the command is not part of the protocol's publish: stamped like any other.
        forged = await bob.command("publish", channel=channel, event="e", data={"n": 2}, key=uuid.uuid4().hex, meta={"publisher": "ada", "time": 1})
        await api_publish(servers[1], channel, {"n": 3})
        await asyncio.to_thread(notify, channel, "e", {"n": 4})
        live = await reader.messages(4)
        after = int(time.time() * 1000)
        # A late subscriber replays them from history with the same stamps.
        late = await WsClient.open(servers[1], token("linus"))
        epoch = live[0]["pos"]["epoch"]
        await late.command("subscribe", channel=channel, since={"epoch": epoch, "offset": 0})
        replayed = await late.messages(4)
        for client in (reader, ada, bob, late):
            client.close()
        return before, after, forged, live, replayed

    before, after, forged, live, replayed = run(scenario())
    assert forged["ok"] is True
    assert [m["data"]["n"] for m in live] == [1, 2, 3, 4]
    assert [m["meta"]["publisher"] for m in live] == ["ada", "bob", None, None]
    times = [m["meta"]["time"] for m in live]
    # Redis' clock and this machine's are the same clock here; allow a second for rounding.
    assert all(isinstance(t, int) for t in times) and before - 1000 <= times[0] and times[-1] <= after + 1000
    assert times == sorted(times)
    assert [m["meta"] for m in replayed] == [m["meta"] for m in live]
