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
connections; any process removes the connections of one whose key expired.
"""

_FUNCTIONS = """
local function summary(entry)
  local count, latest, latestConnection, data = 0, '', '', ''
  for _, connections in pairs(entry) do
    for connection, value in pairs(connections) do
      count = count + 1
      if value[1] > latest or (value[1] == latest and connection > latestConnection) then
        latest, latestConnection, data = value[1], connection, value[2]
      end
    end
  end
  return count, data
end

local function memberJson(sub, count, data)
  local member = '{"sub":' .. cjson.encode(sub) .. ',"connections":' .. string.format('%d', count)
  if count > 0 and data ~= '' then member = member .. ',"data":' .. data end
  return member .. '}'
end

local function store(key, field, entry)
  if next(entry) then redis.call('HSET', key, field, cjson.encode(entry)) else redis.call('HDEL', key, field) end
end

local function announce(key, fanout, sub, beforeCount, beforeData, afterCount, afterData)
  if beforeCount == afterCount and (beforeData == afterData or afterCount == 0) then return end
  local action = 'update'
  if beforeCount == 0 then action = 'join' elseif afterCount == 0 then action = 'leave' end
  local version = redis.call('HINCRBY', key, 'v', 1)
  redis.call('PUBLISH', fanout, '{"p":{"a":"' .. action .. '","v":' .. string.format('%d', version) .. ',"m":' .. memberJson(sub, afterCount, afterData) .. '}}')
end
"""

#: A connection of this process joins or leaves a channel's presence.
#: KEYS: presence hash
#: ARGV: process, connection, sub, 'join' | 'leave', data JSON ('' for none), fan-out channel,
#:       this process's channel set, channel, '1' when the process has no connection left there
PRESENCE_SET = _FUNCTIONS + """local field = 'm:' .. ARGV[3]
local raw = redis.call('HGET', KEYS[1], field)
local entry = raw and cjson.decode(raw) or {}
local beforeCount, beforeData = summary(entry)
local mine = entry[ARGV[1]] or {}
if ARGV[4] == 'join' then
  local time = redis.call('TIME')
  mine[ARGV[2]] = { string.format('%s%06d', time[1], tonumber(time[2])), ARGV[5] }
  redis.call('SADD', ARGV[7], ARGV[8])
else
  mine[ARGV[2]] = nil
  if ARGV[9] == '1' then redis.call('SREM', ARGV[7], ARGV[8]) end
end
if next(mine) then entry[ARGV[1]] = mine else entry[ARGV[1]] = nil end
local afterCount, afterData = summary(entry)
store(KEYS[1], field, entry)
announce(KEYS[1], ARGV[6], ARGV[3], beforeCount, beforeData, afterCount, afterData)
return afterCount
"""

#: A channel's presence: its version and its members.
#: KEYS: presence hash
#: Returns: {version, members JSON array}
PRESENCE_MEMBERS = _FUNCTIONS + """local all = redis.call('HGETALL', KEYS[1])
local version = 0
local members = {}
for i = 1, #all, 2 do
  if all[i] == 'v' then
    version = tonumber(all[i + 1])
  elseif string.sub(all[i], 1, 2) == 'm:' then
    local count, data = summary(cjson.decode(all[i + 1]))
    if count > 0 then members[#members + 1] = memberJson(string.sub(all[i], 3), count, data) end
  end
end
return { version, '[' .. table.concat(members, ',') .. ']' }
"""

#: Renews this process's liveness key and lists it among the processes with presence.
#: KEYS: liveness key, process set
#: ARGV: process, ttl ms
#: Returns: 1 when the key was still there, 0 when it had expired (others may have removed this
#: process's connections: it announces them again)
PRESENCE_HEARTBEAT = """
local existed = redis.call('EXISTS', KEYS[1])
redis.call('SET', KEYS[1], '1', 'PX', ARGV[2])
redis.call('SADD', KEYS[2], ARGV[1])
return existed
"""

#: Removes from presence every connection of the processes whose liveness key expired (or of one
#: given process, which is shutting down), announcing each change. Key names are rebuilt from the
#: two halves around their variable part, so they stay those of `PresenceKeys`.
#: KEYS: process set
#: ARGV: this process, the process to remove ('' for every dead one), then the two halves of:
#:       presence hash (around the channel), fan-out channel (around the channel), channel set
#:       (around the process), liveness key (around the process)
#: Returns: how many processes it removed
PRESENCE_SWEEP = _FUNCTIONS + """local function removeReplica(replica)
  local channelsKey = ARGV[7] .. replica .. ARGV[8]
  for _, channel in ipairs(redis.call('SMEMBERS', channelsKey)) do
    local key = ARGV[3] .. channel .. ARGV[4]
    local fanout = ARGV[5] .. channel .. ARGV[6]
    local all = redis.call('HGETALL', key)
    for i = 1, #all, 2 do
      if string.sub(all[i], 1, 2) == 'm:' then
        local entry = cjson.decode(all[i + 1])
        if entry[replica] then
          local beforeCount, beforeData = summary(entry)
          entry[replica] = nil
          local afterCount, afterData = summary(entry)
          store(key, all[i], entry)
          announce(key, fanout, string.sub(all[i], 3), beforeCount, beforeData, afterCount, afterData)
        end
      end
    end
  end
  redis.call('DEL', channelsKey)
  redis.call('SREM', KEYS[1], replica)
end
if ARGV[2] ~= '' then
  removeReplica(ARGV[2])
  return 1
end
local removed = 0
for _, replica in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if replica ~= ARGV[1] and redis.call('EXISTS', ARGV[9] .. replica .. ARGV[10]) == 0 then
    removeReplica(replica)
    removed = removed + 1
  end
end
return removed
"""
