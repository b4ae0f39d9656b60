-- A channel's presence: its version and its members (after presence_functions.lua).
-- KEYS: presence hash
-- Returns: { version, members JSON array }
local all = redis.call('HGETALL', KEYS[1])
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
