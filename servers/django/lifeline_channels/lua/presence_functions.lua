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
