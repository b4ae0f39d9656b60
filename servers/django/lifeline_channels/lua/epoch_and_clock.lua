if redis.call('HSETNX', KEYS[1], 'epoch', ARGV[1]) == 1 then
  -- A new epoch: whatever history survived (meta evicted alone) belongs to the lost one.
  redis.call('DEL', KEYS[2])
end
local epoch = redis.call('HGET', KEYS[1], 'epoch')
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
