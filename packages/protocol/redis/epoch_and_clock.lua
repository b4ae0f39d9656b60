-- Prologue of publish.lua and history.lua, which run with this text in front of them.
-- The channel's epoch, created when missing (first use, Redis restarted empty, key evicted), so an
-- epoch changes exactly when the history behind it is gone; the candidate comes from the caller
-- because scripts have no good randomness of their own. Then Redis' own clock in ms as `now`, so
-- processes with skewed clocks age history alike. Stream entries store fields `t`, `m` in that
-- order, so `entry[2][2]` is the time and `entry[2][4]` the message.
-- KEYS: meta hash (fields `epoch`, `offset`), log stream (entry id `<offset>-0`)
-- ARGV[1]: epoch candidate
if redis.call('HSETNX', KEYS[1], 'epoch', ARGV[1]) == 1 then
  -- A new epoch: whatever history survived (meta evicted alone) belongs to the lost one.
  redis.call('DEL', KEYS[2])
end
local epoch = redis.call('HGET', KEYS[1], 'epoch')
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
