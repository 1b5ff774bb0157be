#!lua
--[[
  The floor of lua/delete.lua's design, for the benchmark only (scripts/bench/workloads/floors.ts):
  one record removed, its value and its member in the index of every prefix. No eviction
  check, and no index's expiry brought down to its longest-lived remaining member: generous
  to the floor.

  Input: as lua/delete.lua, one record
    KEYS[1]     the value key
    KEYS[2..]   the index keys of its prefixes, shortest first
    ARGV        'count', unread, n

  Output:
    1 when a value was removed, else 0
]]
local rcall = redis.call
local key = KEYS[1]
local removed = rcall('UNLINK', key)
for i = 2, #KEYS do
  rcall('ZREM', KEYS[i], string.sub(key, #KEYS[i]))
end
return removed
