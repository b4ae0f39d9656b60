"""Every command gets exactly one reply, in the order the commands arrived: refusals included."""
import json

from tests.conftest import run
from tests.support.clients import WsClient
from tests.support.tokens import token


def replies_to(client, last_id):
    async def collect():
        replies = []
        while not replies or replies[-1]["id"] != last_id:
            frame = await client.frame()
            if frame["type"] == "reply":
                replies.append(frame)
        return [(reply["id"], "ok" if reply["ok"] else reply["error"]["code"]) for reply in replies]

    return collect()


def test_malformed_commands_are_refused_in_their_turn_behind_the_commands_before_them(server):
    async def scenario():
        client = await WsClient.open(server, connect=False)
        # Pipelined behind connect, whose reply waits for the token check: the refusals must not
        # overtake it, nor the subscribe queued behind it.
        client.send_raw(json.dumps({"id": 1, "type": "connect", "v": 1, "token": token()}))
        client.send_raw('{"id":2,"type":"subscribe","channel":"leaderboard"}')
        client.send_raw('{"id":3,"type":"teleport"}')
        client.send_raw('{"id":4,"type":"subscribe","channel":"has spaces"}')
        client.send_raw('{"id":5,"type":"ping","pad":"%s"}' % ("x" * 70_000))
        client.send_raw('{"id":6,"type":"ping"}')
        replies = await replies_to(client, 6)
        client.close()
        return replies

    assert run(scenario()) == [(1, "ok"), (2, "ok"), (3, "UNKNOWN_COMMAND"), (4, "BAD_REQUEST"), (5, "FRAME_TOO_LARGE"), (6, "ok")]


def test_a_command_too_deep_or_too_long_a_number_to_read_still_gets_its_reply(server):
    """Well-formed JSON that this server will not read (nested past Python's recursion limit, an
    integer past its digit limit) is refused as a reply to the id at its start, as an oversized frame
    is: an `error` frame without id would leave the command unanswered."""
    async def scenario():
        client = await WsClient.open(server, token())
        client.send_raw('{"id":7,"type":"ping","pad":%s}' % ("[" * 5000 + "]" * 5000))
        client.send_raw('{"id":8,"type":"ping","pad":%s}' % ("9" * 5000))
        replies = await replies_to(client, 8)
        alive = await client.command("ping")
        client.close()
        return replies, alive

    replies, alive = run(scenario())
    assert replies == [(7, "BAD_REQUEST"), (8, "BAD_REQUEST")]
    assert alive["ok"] is True
