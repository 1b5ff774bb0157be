#!lua
--[[
  The floor of lua/put.lua's design, for the benchmark only (scripts/bench/workloads/floors.ts):
  the least a script must do to write records as the store lays them out, and nothing it
  does to keep its guarantees. Per record: one ZADD of the rest of its key in the index of
  each prefix, scored with its expiry; SET ... PXAT that expiry; one PEXPIREAT ... GT (or
  PERSIST) per index. No pruning, no lowering of an index's expiry, no reads: generous to
  the floor.

  Input: as lua/put.lua
    KEYS    per record: its value key, then the index keys of its prefixes, shortest first
    ARGV    per record: n, its ttl in milliseconds ('0' for never), its serialized value

  Output:
    the number of records written
]]
local rcall = redis.call
local t = rcall('TIME')
local at = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local k = 1
local written = 0
for a = 1, #ARGV, 3 do
  local n = tonumber(ARGV[a])
  local ttl = tonumber(ARGV[a + 1])
  local key = KEYS[k]
  local score = ttl > 0 and (at + ttl) or '+inf'
  for i = k + 1, k + n do
    rcall('ZADD', KEYS[i], score, string.sub(key, #KEYS[i]))
  end
  if ttl > 0 then
    rcall('SET', key, ARGV[a + 2], 'PXAT', score)
  else
    rcall('SET', key, ARGV[a + 2])
  end
  for i = k + 1, k + n do
    if ttl > 0 then
      rcall('PEXPIREAT', KEYS[i], score, 'GT')
    else
      rcall('PERSIST', KEYS[i])
    end
  end
  k = k + n + 1
  written = written + 1
end
return written
