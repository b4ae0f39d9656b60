"""`subscribe` with `rewind: n`: the channel's last n messages after the reply, then live ones."""
from tests.conftest import run
from tests.support.channels import api_publish, first_message_after_subscribing, publish_numbered, subscribed
from tests.support.clients import PollClient, WsClient
from tests.support.tokens import token


def test_rewind_on_an_empty_channel_answers_the_start_and_replays_nothing(server, channel):
    reply, first, message = run(first_message_after_subscribing(server, channel, {"n": 1}, rewind=3))
    epoch = first["position"]["epoch"]
    assert reply["result"] == {"position": {"epoch": epoch, "offset": 0}, "recovered": True}
    # The first message after the reply is the live one: nothing was replayed before it.
    assert message["pos"] == {"epoch": epoch, "offset": 1} and message["data"] == {"n": 1}


def test_rewind_replays_the_last_n_with_their_meta_after_a_cursor_just_before_them_then_live(servers, channel):
    async def scenario():
        outcomes = await publish_numbered(servers[0], channel, range(1, 6))
        watcher = await WsClient.open(servers[0], token("grace"))
        await watcher.command("subscribe", channel=channel, since={"epoch": outcomes[0]["position"]["epoch"], "offset": 0})
        stored = await watcher.messages(5)
        client = await PollClient.open(servers[1], token())
        reply = await client.command("subscribe", channel=channel, rewind=2)
        replayed = await client.messages(2)
        await api_publish(servers[0], channel, {"n": 6})
        live = await client.messages(1)
        for each in (watcher, client):
            each.close()
        return outcomes[0]["position"]["epoch"], stored, reply, replayed, live

    epoch, stored, reply, replayed, live = run(scenario())
    assert reply["result"] == {"position": {"epoch": epoch, "offset": 3}, "recovered": True}
    assert replayed == stored[3:]
    assert [m["pos"]["offset"] for m in replayed + live] == [4, 5, 6]


def test_a_rewind_larger_than_history_replays_all_of_it_and_since_wins_over_rewind(server, channel):
    async def scenario():
        outcomes = await publish_numbered(server, channel, range(1, 4))
        epoch = outcomes[0]["position"]["epoch"]
        everything, whole = await subscribed(server, channel, rewind=2**53 - 1)
        all_of_it = await everything.messages(3)
        resumer, resumed = await subscribed(server, channel, since={"epoch": epoch, "offset": 2}, rewind=3)
        after_since = await resumer.messages(1)
        await api_publish(server, channel, {"n": 4})
        next_everything = await everything.messages(1)
        next_resumer = await resumer.messages(1)
        for each in (everything, resumer):
            each.close()
        return epoch, whole, all_of_it + next_everything, resumed, after_since + next_resumer

    epoch, whole, everything, resumed, resumer = run(scenario())
    assert whole["result"] == {"position": {"epoch": epoch, "offset": 0}, "recovered": True}
    assert [m["data"]["n"] for m in everything] == [1, 2, 3, 4]
    assert resumed["result"] == {"position": {"epoch": epoch, "offset": 2}, "recovered": True}
    assert [m["data"]["n"] for m in resumer] == [3, 4]


def test_a_rewind_that_is_not_a_positive_integer_is_a_bad_request(server, channel):
    async def scenario():
        client = await WsClient.open(server, token())
        replies = [await client.command("subscribe", channel=channel, rewind=value) for value in (0, -1, 1.5, "2", 2**53)]
        client.close()
        return replies

    for reply in run(scenario()):
        assert reply["ok"] is False and reply["error"]["code"] == "BAD_REQUEST"
