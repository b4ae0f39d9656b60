"""Lua scripts run atomically inside Redis.

Keys of a channel: `<prefix>{<channel>}:meta` (hash `epoch`, `offset`) and `<prefix>{<channel>}:log`
(a stream, entry id `<offset>-0`, fields `t` = Redis time in ms and `m` = `{"event","data","meta"}`
JSON, `meta` being the server's stamp `{"publisher","time"}` added by the publish script).
Both scripts create the channel's epoch when it is missing (first use, Redis restarted empty, key
evicted), so an epoch changes exactly when the history behind it is gone. The epoch candidate comes
from the caller because scripts have no good randomness of their own.
"""

_EPOCH_AND_CLOCK = """
if redis.call('HSETNX', KEYS[1], 'epoch', ARGV[1]) == 1 then
  -- A new epoch: whatever history survived (meta evicted alone) belongs to the lost one.
  redis.call('DEL', KEYS[2])
end
local epoch = redis.call('HGET', KEYS[1], 'epoch')
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
"""

#: Publish: idempotency check, position (HINCRBY) and append (XADD), trim by count and age, fan-out.
#: PUBLISH inside the script means every process hears a channel's messages in offset order, and
#: a message is never in history without having been fanned out.
#: KEYS: meta, log, [idempotency key]
#: The stamp `meta: {publisher, time}` is added here, with Redis' clock, so every process stamps by one
#: clock, times follow offsets, and history holds the very meta the live delivery carried.
#: ARGV: epoch candidate, message JSON `{"event","data"}`, history size, history ttl ms,
#:       idempotency window ms, fan-out channel, publisher as JSON (`"<sub>"` or `null`)
#: Returns {epoch, offset, duplicate (0|1)}. The fan-out payload is `<epoch> <offset> <message JSON>`.
PUBLISH = _EPOCH_AND_CLOCK + """
local key = KEYS[3]
if key then
  local seen = redis.call('GET', key)
  if seen then
    local space = string.find(seen, ' ', 1, true)
    return { string.sub(seen, 1, space - 1), tonumber(string.sub(seen, space + 1)), 1 }
  end
end
local offset = redis.call('HINCRBY', KEYS[1], 'offset', 1)
local id = string.format('%d-0', offset)
-- ARGV[2] ends with '}': the stamp goes in as its last member.
local message = string.sub(ARGV[2], 1, -2) .. ',"meta":{"publisher":' .. ARGV[7] .. ',"time":' .. string.format('%d', now) .. '}}'
redis.call('XADD', KEYS[2], 'MAXLEN', ARGV[3], id, 't', now, 'm', message)
-- Trim by age: entries are in time order, so cut before the first fresh one (the new entry is).
local cutoff = now - tonumber(ARGV[4])
local start = '-'
local trimmed = false
while not trimmed do
  local batch = redis.call('XRANGE', KEYS[2], start, '+', 'COUNT', 64)
  for _, entry in ipairs(batch) do
    if tonumber(entry[2][2]) >= cutoff then
      redis.call('XTRIM', KEYS[2], 'MINID', entry[1])
      trimmed = true
      break
    end
  end
  start = '(' .. batch[#batch][1]
end
redis.call('PEXPIRE', KEYS[2], ARGV[4])
if key then redis.call('SET', key, epoch .. ' ' .. string.format('%d', offset), 'PX', ARGV[5]) end
redis.call('PUBLISH', ARGV[6], epoch .. ' ' .. string.format('%d', offset) .. ' ' .. message)
return { epoch, offset, 0 }
"""

#: History: the channel's position and, with a `since` in the same epoch whose successor is still
#: stored and younger than the ttl, the messages after it. Entries are contiguous (trimming only
#: cuts the oldest), so the n-th message returned has offset from + n. A `since` of an epoch Redis
#: no longer has (it restarted empty, or lost the key) is not recovered, but when the stream still
#: holds the current epoch from offset 1, all of it comes back with `from` 0: messages published
#: since Redis came back reach the client, which reports only the old epoch's loss.
#: Without a `since`, a rewind of n returns the last n messages still stored and younger than the
#: ttl (fewer when history holds fewer), `from` being the offset just before the first of them.
#: KEYS: meta, log
#: ARGV: epoch candidate, since epoch ('' for none), since offset, history ttl ms, rewind (0: none)
#: Returns {epoch, offset, recovered (0|1), messages JSON[], from (-1: no replay)}
HISTORY = _EPOCH_AND_CLOCK + """
local offset = tonumber(redis.call('HGET', KEYS[1], 'offset') or '0')
if ARGV[2] == '' then
  local rewind = tonumber(ARGV[5])
  if rewind < 1 then return { epoch, offset, 1, {}, -1 } end
  -- Newest first; stop at the first entry older than the ttl (the older ones are older still).
  local count = math.min(rewind, offset)
  if count < 1 then return { epoch, offset, 1, {}, offset } end
  local entries = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', string.format('%d', count))
  local cutoff = now - tonumber(ARGV[4])
  local kept = 0
  for _, entry in ipairs(entries) do
    if tonumber(entry[2][2]) < cutoff then break end
    kept = kept + 1
  end
  local messages = {}
  for i = 1, kept do messages[i] = entries[kept - i + 1][2][4] end
  return { epoch, offset, 1, messages, offset - kept }
end
local since = tonumber(ARGV[3])
local recovered = 1
if ARGV[2] ~= epoch then
  recovered = 0
  since = 0
elseif since > offset then
  return { epoch, offset, 0, {}, -1 }
end
if since == offset then return { epoch, offset, recovered, {}, since } end
local next = string.format('%d-0', since + 1)
local entries = redis.call('XRANGE', KEYS[2], next, '+')
local first = entries[1]
if not first or first[1] ~= next or tonumber(first[2][2]) < now - tonumber(ARGV[4]) then return { epoch, offset, 0, {}, -1 } end
local messages = {}
for i, entry in ipairs(entries) do messages[i] = entry[2][4] end
return { epoch, offset, recovered, messages, since }
"""


class RedisKeys:
    """Names of the Redis keys and pub/sub channels of one deployment (all under one prefix)."""

    def __init__(self, prefix):
        self.prefix = prefix
        self.fanout_prefix = f"{prefix}fanout:"

    def meta(self, channel):
        return f"{self.prefix}{{{channel}}}:meta"

    def log(self, channel):
        return f"{self.prefix}{{{channel}}}:log"

    def idempotency(self, publisher, key):
        """Keys are scoped per publisher (the token's `sub`, or `server`), not per channel."""
        return f"{self.prefix}key:{len(publisher)}:{publisher}:{key}"

    def presence(self, channel):
        """Hash of the channel's presence (see `presence_scripts`)."""
        return f"{self.prefix}{{{channel}}}:presence"

    def presence_channels(self, replica):
        """Set of the channels where a process has connections in presence."""
        return f"{self.prefix}presence:channels:{replica}"

    @property
    def presence_replicas(self):
        """Set of the processes that have had connections in presence (dead ones go when swept)."""
        return f"{self.prefix}presence:replicas"

    def alive(self, replica):
        """Expiring key a process renews while it lives; once it is gone, its presence is removed."""
        return f"{self.prefix}presence:alive:{replica}"

    def ticket(self, ticket):
        return f"{self.prefix}ticket:{ticket}"

    def fanout(self, channel):
        return f"{self.fanout_prefix}{channel}"

    def channel_of(self, fanout):
        return fanout[len(self.fanout_prefix):] if fanout.startswith(self.fanout_prefix) else None

    def session(self, session_id):
        """Pub/sub channel where the process holding a session receives commands routed to it."""
        return f"{self.prefix}session:{session_id}"

    def replica(self, replica_id):
        """Pub/sub channel where a process receives the answers to the requests it routed."""
        return f"{self.prefix}replica:{replica_id}"
