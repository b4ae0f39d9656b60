-- Prologue of presence_set.lua, presence_members.lua and presence_sweep.lua, which run with this
-- text in front of them: a user's summary (connection count, data of the latest connection), the
-- member JSON, storing a user's entry, and the change announcement.
-- Presence layout, per channel one hash: field `v` is the version, raised by every change (never
-- removed, so versions only grow); field `m:<sub>` holds one user's connections as JSON
-- `{"<process>": {"<connection>": [t, data]}}`, where `t` is when the connection joined (Redis'
-- clock, microseconds, as a 16-digit string, so processes agree on which connection is the most
-- recent) and `data` the JSON text of its presence data, or '' for none (kept as text: Lua would
-- turn `[]` into `{}`). Every change publishes `{"p":{"a":action,"v":version,"m":member}}` on the
-- channel's fan-out channel inside the same script, so every process hears a channel's changes in
-- version order.
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
