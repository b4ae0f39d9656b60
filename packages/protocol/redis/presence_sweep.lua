-- Removes from presence every connection of the processes whose liveness key expired (or of one
-- given process, which is shutting down), announcing each change (after presence_functions.lua).
-- Key names are made from templates the caller passes (each name split around its variable
-- part), so they stay the caller's key layout.
-- KEYS: process set
-- ARGV: this process, the process to remove ('' for every dead one), then the two halves of:
--       presence hash (around the channel), fan-out channel (around the channel), channel set
--       (around the process), liveness key (around the process)
-- Returns: how many processes it removed
local function removeReplica(replica)
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
