-- Publish (after epoch_and_clock.lua): idempotency check, position assignment, append, trim by
-- length and age, fan-out. The PUBLISH inside the script means every process hears a channel's
-- messages in offset order, and a message is never in history without having been fanned out.
-- The fan-out payload is `{"e","o","t","m"}`: epoch, offset, time in ms, stored message.
-- KEYS: meta, log, [idempotency key]
-- ARGV: epoch candidate, message JSON, history size, history ttl ms, idempotency window ms,
--       fan-out channel
-- Returns: { epoch, offset, duplicate (0|1) }
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
redis.call('XADD', KEYS[2], 'MAXLEN', ARGV[3], id, 't', now, 'm', ARGV[2])
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
if key then redis.call('SET', key, epoch .. ' ' .. offset, 'PX', ARGV[5]) end
redis.call('PUBLISH', ARGV[6], '{"e":' .. cjson.encode(epoch) .. ',"o":' .. string.format('%d', offset) .. ',"t":' .. string.format('%d', now) .. ',"m":' .. ARGV[2] .. '}')
return { epoch, offset, 0 }
