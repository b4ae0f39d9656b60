-- Renews this process's liveness key and lists it among the processes with presence. Runs alone.
-- KEYS: liveness key, process set
-- ARGV: process, ttl ms
-- Returns: 1 when the key was still there, 0 when it had expired (others may have removed this
-- process's connections: it announces them again)
local existed = redis.call('EXISTS', KEYS[1])
redis.call('SET', KEYS[1], '1', 'PX', ARGV[2])
redis.call('SADD', KEYS[2], ARGV[1])
return existed
