#!lua
--[[
  The floor of lua/add.lua's design, for the benchmark only (scripts/bench/workloads/floors.ts):
  put-if-absent of one record. If its value key exists, nothing; else the put floor's
  commands (one ZADD per prefix index, SET ... PXAT, one PEXPIREAT ... GT per index). No
  eviction check, no pruning, no lowering: generous to the floor.

  Input: as lua/add.lua
    KEYS[1]     the value key
    KEYS[2..]   the index keys of its prefixes, shortest first
    ARGV[1]     ttl in milliseconds (not '0' here)
    ARGV[2]     the serialized value
    ARGV[3]     unread

  Output:
    1 when it wrote, else 0
]]
local rcall = redis.call
local key = KEYS[1]
if rcall('EXISTS', key) == 1 then return 0 end
local t = rcall('TIME')
local score = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[1])
for i = 2, #KEYS do
  rcall('ZADD', KEYS[i], score, string.sub(key, #KEYS[i]))
end
rcall('SET', key, ARGV[2], 'PXAT', score)
for i = 2, #KEYS do
  rcall('PEXPIREAT', KEYS[i], score, 'GT')
end
return 1
