#!lua
--[[
  Writes one record only when no live record has its key (put-if-absent): the building
  block of locks, idempotency keys and one-time creations. Live is as reads see it: the value
  exists, and with `checked` (a server whose maxmemory policy evicts) every index of its
  prefixes lists it; a half-evicted record is removed and the new one written. Refused whole
  under OOM, as put.

  Input:
    KEYS[1]     the value key
    KEYS[2..]   the index keys of its prefixes of length 0 .. n-1, shortest first
    ARGV[1]     ttl in milliseconds; '0' for never expiring
    ARGV[2]     the serialized value
    ARGV[3]     '1' to require every index to list a live record (evicting policy), else '0'

  Output:
    1 when the record was written, 0 when a live record already had the key
]]
local rcall = redis.call
-- @include now
-- @include keyedRecord
-- @include writeRecord
-- @include indexWrites

local n = #KEYS - 1
if rcall('EXISTS', KEYS[1]) == 1 then
  if ARGV[3] ~= '1' or keyedListed(1, n) then return 0 end
  keyedRemove(1, n)
end
local touched = {}
writeRecord(1, n, ARGV[2], tonumber(ARGV[1]), now(), touched)
settleIndexes(touched)
return 1
