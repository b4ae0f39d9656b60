"""Presence in Redis, kept atomic by Lua scripts (the same scripts and key layout as the reference
server). Per channel, one hash (`PresenceKeys.presence`):

- field `v`: the version, raised by every change (never removed, so versions only grow);
- field `m:<sub>`: one user's connections, as JSON `{"<process>": {"<connection>": [t, data]}}`,
  where `t` is when the connection joined (Redis' clock, microseconds, as a 16-digit string, so
  processes agree on which connection is the most recent) and `data` the JSON text of its presence
  data, or `''` for none (kept as text: Lua would turn `[]` into `{}`).

Every change publishes `{"p":{"a":action,"v":version,"m":member}}` on the channel's fan-out pub/sub
channel, inside the same script, so every process hears a channel's changes in version order, in
line with its messages. Each process renews a liveness key and lists the channels where it has
connections; any process removes the connections of one whose key expired. The scripts that
change a member begin with `lua/presence_functions.lua` (a user's summary, the announcement).
"""
from .lua_scripts import lua

#: A connection of this process joins or leaves a channel's presence.
#: KEYS: presence hash
#: ARGV: process, connection, sub, 'join' | 'leave', data JSON ('' for none), fan-out channel,
#:       this process's channel set, channel, '1' when the process has no connection left there
PRESENCE_SET = lua("presence_functions", "presence_set")

#: A channel's presence: its version and its members.
#: KEYS: presence hash
#: Returns: {version, members JSON array}
PRESENCE_MEMBERS = lua("presence_functions", "presence_members")

#: Renews this process's liveness key and lists it among the processes with presence.
#: KEYS: liveness key, process set
#: ARGV: process, ttl ms
#: Returns: 1 when the key was still there, 0 when it had expired (others may have removed this
#: process's connections: it announces them again)
PRESENCE_HEARTBEAT = lua("presence_heartbeat")

#: Removes from presence every connection of the processes whose liveness key expired (or of one
#: given process, which is shutting down), announcing each change. Key names are rebuilt from the
#: two halves around their variable part, so they stay those of `PresenceKeys`.
#: KEYS: process set
#: ARGV: this process, the process to remove ('' for every dead one), then the two halves of:
#:       presence hash (around the channel), fan-out channel (around the channel), channel set
#:       (around the process), liveness key (around the process)
#: Returns: how many processes it removed
PRESENCE_SWEEP = lua("presence_functions", "presence_sweep")
