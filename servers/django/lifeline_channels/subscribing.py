"""The `subscribe` command: fan-out first, then history (and presence), then the reply, then the
replay and what arrived meanwhile, merged by offset so nothing is lost or repeated."""
from .once import once
from .presence import presence_data
from .replies import fail, ok
from .subscription import Subscription


async def subscribe(session, command_id, channel, since, rewind=0, presence=None):
    """Answers the subscribe itself (the reply must precede the replay): returns None, or the
    refusal to send as its reply."""
    refusal = _refusal(session, channel, presence)
    if refusal is not None:
        return refusal
    runtime = session.runtime
    # Live first, history second, then merge by offset: nothing published in between is lost;
    # the same for presence: changes heard while the snapshot is read are sorted out by version.
    subscription = Subscription(presence is not None)
    session.subscriptions[channel] = subscription

    def current():
        return session.subscriptions.get(channel) is subscription and session.status != "closed"

    snapshot = None
    try:
        on_presence = (lambda change: session.presence_changed(channel, subscription, change)) if presence is not None else None
        end_fanout = await runtime.fanout.listen(channel, session.deliver, on_presence)

        def release():
            end_fanout()
            if presence is not None:
                runtime.presence.leave(channel, session.id)

        subscription.release = once(release)
        history = await runtime.broker.history(channel, since, rewind)
        if presence is not None and current():
            await runtime.presence.join(channel, session.id, session.claims["sub"], presence_data(presence))
            if not current():
                runtime.presence.leave(channel, session.id)  # released while the join was written
            else:
                snapshot = await runtime.presence.members(channel)
    except BaseException:
        _forget(session, channel, subscription)
        raise
    if subscription.ended is not None:
        # The fan-out broke while history was read: what came meanwhile may be lost.
        _forget(session, channel, subscription)
        return {"ok": False, "error": subscription.ended}
    if not current():
        subscription.release()
        return None
    pending, subscription.pending = subscription.pending, None
    subscription.last = cursor = _cursor(since, history, pending)
    result = {"position": {"epoch": cursor[0], "offset": cursor[1]}, "recovered": history.recovered}
    if snapshot is not None:
        result["presence"] = snapshot[1]
    session.reply(command_id, ok(result))
    for publication in history.publications + pending:
        session.deliver(publication)
    if snapshot is not None:
        for change in subscription.snapshot_sent(snapshot[0]):
            session.presence_changed(channel, subscription, change)
    return None


def _refusal(session, channel, presence):
    settings, authorize = session.runtime.settings, session.runtime.authorize
    if channel in session.subscriptions:
        return fail("ALREADY_SUBSCRIBED", f"Already subscribed to {channel}")
    if len(session.subscriptions) >= settings.max_subscriptions:
        return fail("TOO_MANY_SUBSCRIPTIONS", f"At most {settings.max_subscriptions} subscriptions per connection")
    if not authorize(session.claims, channel, "subscribe"):
        return fail("FORBIDDEN", f"Not allowed to subscribe to {channel}")
    if presence is not None and not authorize(session.claims, channel, "presence"):
        return fail("FORBIDDEN", f"Not allowed to see the presence of {channel}")
    return None


def _forget(session, channel, subscription):
    if session.subscriptions.get(channel) is subscription:
        del session.subscriptions[channel]
    if subscription.release:
        subscription.release()


def _cursor(since, history, pending):
    """The subscription's cursor: the position just before the first message it delivers."""
    if since is not None and history.recovered:
        return (since["epoch"], since["offset"])
    if history.replay_from is not None:
        # A rewind (the cursor just before the messages replayed), or an epoch the channel no
        # longer has while the current one is held whole (replayed from its start).
        return (history.replay_from["epoch"], history.replay_from["offset"])
    cursor = (history.position["epoch"], history.position["offset"])
    # A live publication that arrived while history was read is delivered too.
    first = pending[0] if pending else None
    if first is not None and first.epoch == cursor[0] and first.offset <= cursor[1]:
        cursor = (first.epoch, first.offset - 1)
    return cursor
