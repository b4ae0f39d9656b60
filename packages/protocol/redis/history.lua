-- History (after epoch_and_clock.lua): the channel's position and, with a `since` in the same
-- epoch whose successor is still stored and younger than the ttl, the messages after it. Without
-- `since`, the last `rewind` messages still younger than the ttl (none when `rewind` is 0).
-- Entries are contiguous (trimming only ever cuts the oldest), so the n-th message returned has
-- offset `from + n`. A `since` of an epoch Redis no longer has (it restarted empty, or lost the
-- key) is not recovered, but when the stream still holds the current epoch from offset 1, all of
-- it comes back with `from` 0: messages published since Redis came back reach the client, which
-- reports only the old epoch's loss.
-- KEYS: meta, log
-- ARGV: epoch candidate, since epoch ('' for none), since offset, history ttl ms, rewind (0 for none)
-- Returns: { epoch, offset, recovered (0|1), messages JSON[], from (-1: no messages), times (ms)[] }
local offset = tonumber(redis.call('HGET', KEYS[1], 'offset') or '0')
if ARGV[2] == '' then
  local rewind = tonumber(ARGV[5])
  if rewind <= 0 then return { epoch, offset, 1, {}, -1, {} } end
  -- Newest first, so the age check stops at the first message too old; the stream ends at offset.
  local entries = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', rewind)
  local messages, times = {}, {}
  for _, entry in ipairs(entries) do
    if tonumber(entry[2][2]) < now - tonumber(ARGV[4]) then break end
    table.insert(messages, 1, entry[2][4])
    table.insert(times, 1, entry[2][2])
  end
  return { epoch, offset, 1, messages, offset - #messages, times }
end
local since = tonumber(ARGV[3])
local recovered = 1
if ARGV[2] ~= epoch then
  recovered = 0
  since = 0
elseif since > offset then
  return { epoch, offset, 0, {}, -1, {} }
end
if since == offset then return { epoch, offset, recovered, {}, since, {} } end
local next = string.format('%d-0', since + 1)
local entries = redis.call('XRANGE', KEYS[2], next, '+')
local first = entries[1]
if not first or first[1] ~= next or tonumber(first[2][2]) < now - tonumber(ARGV[4]) then return { epoch, offset, 0, {}, -1, {} } end
local messages, times = {}, {}
for i, entry in ipairs(entries) do
  messages[i] = entry[2][4]
  times[i] = entry[2][2]
end
return { epoch, offset, recovered, messages, since, times }
