#!lua
--[[
  The floor of lua/touch.lua's design, for the benchmark only (scripts/bench/workloads/floors.ts):
  a live record's value and its member in the index of every prefix get one new expiry, and
  each index is extended to it (PEXPIREAT ... GT). No eviction check, no lowering of an
  index's expiry, no member added back: generous to the floor.

  Input: as lua/touch.lua
    KEYS[1]     the value key
    KEYS[2..]   the index keys of its prefixes, shortest first
    ARGV[1]     the new ttl in milliseconds (not '0' here)
    ARGV[2..3]  unread

  Output:
    1 when the record was live, else 0
]]
local rcall = redis.call
local key = KEYS[1]
if rcall('EXISTS', key) == 0 then return 0 end
local t = rcall('TIME')
local score = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[1])
rcall('PEXPIREAT', key, score)
for i = 2, #KEYS do
  rcall('ZADD', KEYS[i], score, string.sub(key, #KEYS[i]))
  rcall('PEXPIREAT', KEYS[i], score, 'GT')
end
return 1
