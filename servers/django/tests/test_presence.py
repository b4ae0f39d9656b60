"""Presence: `subscribe` with `presence`, the snapshot in the reply, then join, update and leave
frames, one presence across processes, and the members of a killed process leaving on their own."""
from tests.conftest import SERVER_ENV, run
from tests.support.clients import PollClient, SseClient, WsClient
from tests.support.processes import DaphneProcess
from tests.support.tokens import token


async def presence_frames(client, count):
    """The next `count` presence frames (other frames dropped)."""
    found = []
    while len(found) < count:
        frame = await client.frame()
        if frame["type"] == "presence":
            found.append(frame)
    return found


def by_sub(members):
    return sorted(members, key=lambda member: member["sub"])


def test_snapshot_then_join_update_and_leave_across_both_processes(servers, channel):
    async def scenario():
        ada = await WsClient.open(servers[0], token("ada"))
        first = await ada.command("subscribe", channel=channel, presence={"data": {"name": "Ada"}})
        grace = await SseClient.open(servers[1], token("grace"))
        second = await grace.command("subscribe", channel=channel, presence={"data": {"name": "Grace"}})
        joined = await presence_frames(ada, 1)
        # A second connection of Grace, on the other process, with other data: an update, not a join.
        grace_too = await PollClient.open(servers[0], token("grace"))
        third = await grace_too.command("subscribe", channel=channel, presence={"data": {"name": "Grace (phone)"}})
        more = await presence_frames(ada, 1)
        await grace_too.command("unsubscribe", channel=channel)
        back = await presence_frames(ada, 1)
        grace.close()  # the connection ends: Grace leaves
        left = await presence_frames(ada, 1)
        grace_too.close()
        ada.close()
        return first, second, joined + more + back + left, third

    first, second, changes, third = run(scenario())
    assert first["result"]["presence"] == [{"sub": "ada", "connections": 1, "data": {"name": "Ada"}}]
    assert by_sub(second["result"]["presence"]) == [{"sub": "ada", "connections": 1, "data": {"name": "Ada"}}, {"sub": "grace", "connections": 1, "data": {"name": "Grace"}}]
    assert by_sub(third["result"]["presence"])[1] == {"sub": "grace", "connections": 2, "data": {"name": "Grace (phone)"}}
    assert [(c["channel"], c["action"], c["member"]) for c in changes] == [
        (channel, "join", {"sub": "grace", "connections": 1, "data": {"name": "Grace"}}),
        (channel, "update", {"sub": "grace", "connections": 2, "data": {"name": "Grace (phone)"}}),
        # The latest connection left: the data of the one still there.
        (channel, "update", {"sub": "grace", "connections": 1, "data": {"name": "Grace"}}),
        (channel, "leave", {"sub": "grace", "connections": 0}),
    ]


def test_presence_is_refused_where_the_rules_say_nobody_and_for_data_over_1024_bytes(server, channel):
    async def scenario():
        client = await WsClient.open(server, token("ada"))
        public = await client.command("subscribe", channel="leaderboard", presence={})
        large = await client.command("subscribe", channel=channel, presence={"data": "x" * 1100})
        not_object = await client.command("subscribe", channel=channel, presence=True)
        # Refused whole: the channel is not subscribed, so a plain subscribe still works.
        plain = await client.command("subscribe", channel="leaderboard")
        client.close()
        return public, large, not_object, plain

    public, large, not_object, plain = run(scenario())
    assert public["ok"] is False and public["error"]["code"] == "FORBIDDEN"
    assert large["ok"] is False and large["error"]["code"] == "BAD_REQUEST"
    assert not_object["ok"] is False and not_object["error"]["code"] == "BAD_REQUEST"
    assert plain["ok"] is True and "presence" not in plain["result"]


def test_members_of_a_killed_process_leave_once_its_liveness_key_expires(redis_server, server, channel):
    # A third process with a short liveness ttl, killed without a chance to clean up: a surviving
    # process announces its members' leave (within that ttl plus a third of the survivor's).
    doomed = DaphneProcess(redis_server.url, **{**SERVER_ENV, "LIFELINE_PRESENCE_TTL_MS": "1000"}).start()
    try:
        async def scenario():
            watcher = await WsClient.open(server, token("ada"))
            await watcher.command("subscribe", channel=channel, presence={})
            victim = await WsClient.open(doomed, token("linus"))
            await victim.command("subscribe", channel=channel, presence={"data": "here"})
            joined = await presence_frames(watcher, 1)
            doomed.process.kill()
            doomed.process.wait(5)
            left = await presence_frames(watcher, 1)
            await watcher.command("unsubscribe", channel=channel)
            again = await watcher.command("subscribe", channel=channel, presence={})
            watcher.close()
            return joined + left, again

        changes, again = run(scenario())
    finally:
        doomed.stop()
    assert [(c["action"], c["member"]) for c in changes] == [("join", {"sub": "linus", "connections": 1, "data": "here"}), ("leave", {"sub": "linus", "connections": 0})]
    assert again["result"]["presence"] == [{"sub": "ada", "connections": 1}]
