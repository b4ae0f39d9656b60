-- A connection of this process joins or leaves a channel's presence (after presence_functions.lua).
-- KEYS: presence hash
-- ARGV: process, connection, sub, 'join' | 'leave', data JSON ('' for none), fan-out channel,
--       this process's channel set, channel, '1' when the process has no connection left there
-- Returns: the user's connection count after the change
local field = 'm:' .. ARGV[3]
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
