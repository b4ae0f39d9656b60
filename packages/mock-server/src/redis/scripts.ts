import type { Redis } from 'ioredis'

/**
 * Lua scripts run atomically inside Redis. Both create the channel's epoch when it is missing
 * (first use, Redis restarted empty, key evicted), so an epoch changes exactly when the history
 * behind it is gone. The epoch candidate comes from the caller because scripts have no good
 * randomness of their own.
 */

/**
 * Prologue of both scripts (KEYS[1] meta, KEYS[2] log, ARGV[1] epoch candidate): the channel's
 * epoch (created when missing) and Redis' own clock in ms,
 * so replicas with skewed clocks age history alike. Stream entries store fields `t`, `m` in that
 * order, so `entry[2][2]` is the time and `entry[2][4]` the message.
 */
const EPOCH_AND_CLOCK = `
if redis.call('HSETNX', KEYS[1], 'epoch', ARGV[1]) == 1 then
  -- A new epoch: whatever history survived (meta evicted alone) belongs to the lost one.
  redis.call('DEL', KEYS[2])
end
local epoch = redis.call('HGET', KEYS[1], 'epoch')
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
`

/**
 * Publish: idempotency check, position assignment, append, trim by length and age, fan-out.
 * Doing the PUBLISH inside the script means every replica hears a channel's messages in offset
 * order, and a message is never in history without having been fanned out.
 *
 * KEYS: meta, log, [idempotency key]
 * ARGV: epoch candidate, message JSON, history size, history ttl ms, idempotency window ms, fan-out channel
 * Returns: { epoch, offset, duplicate (0|1) }
 */
export const PUBLISH_SCRIPT = `${EPOCH_AND_CLOCK}
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
`

/**
 * History: the channel's position and, with a `since` in the same epoch whose successor is still
 * stored and younger than the ttl, the messages after it. Without `since`, the last `rewind`
 * messages still younger than the ttl (none when `rewind` is 0). Entries are contiguous (trimming only
 * ever cuts the oldest), so the n-th message returned has offset `from + n`. A `since` of an epoch
 * Redis no longer has (it restarted empty, or lost the key) is not recovered, but when the stream
 * still holds the current epoch from offset 1, all of it comes back with `from` 0: messages
 * published since Redis came back reach the client, which reports only the old epoch's loss.
 *
 * KEYS: meta, log
 * ARGV: epoch candidate, since epoch ('' for none), since offset, history ttl ms, rewind (0 for none)
 * Returns: { epoch, offset, recovered (0|1), messages JSON[], from (-1: no messages), times (ms)[] }
 */
export const HISTORY_SCRIPT = `${EPOCH_AND_CLOCK}
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
`

/** The scripts as commands of an ioredis client (EVALSHA, falling back to EVAL once per connection). */
export interface ScriptCommands {
  /** First argument: the number of keys (2, or 3 with an idempotency key). */
  lifelinePublish(numberOfKeys: number, ...keysAndArgs: (string | number)[]): Promise<[epoch: string, offset: number, duplicate: number]>
  lifelineHistory(numberOfKeys: number, ...keysAndArgs: (string | number)[]): Promise<[epoch: string, offset: number, recovered: number, messages: string[], from: number, times: string[]]>
}

export function defineScripts<T extends Redis>(redis: T): T & ScriptCommands {
  redis.defineCommand('lifelinePublish', { lua: PUBLISH_SCRIPT })
  redis.defineCommand('lifelineHistory', { lua: HISTORY_SCRIPT })
  return redis as T & ScriptCommands
}
