#!lua
--[[
  Adds one to a counter record, creating it at 1 when no live record has its key: the
  counter of a rate limiter. The ttl is given when the counter is created and never extended
  (a window that starts with its first hit); a later increment keeps the value's expiry and
  its index entries as they are. The counter is stored as the default serializer writes an
  integer ('{"json":N}'), so get() reads it as a number. Live is as reads see it: with
  `checked` (a server whose maxmemory policy evicts), a record missing from one of its
  indexes counts as gone and is replaced.

  Input:
    KEYS[1]     the value key
    KEYS[2..]   the index keys of its prefixes of length 0 .. n-1, shortest first
    ARGV[1]     the ttl in milliseconds of a new counter; '0' for never expiring
    ARGV[2]     '1' to require every index to list a live record (evicting policy), else '0'

  Output:
    the new count; an error when the record holds something other than a counter
]]
local rcall = redis.call
-- @include now
-- @include keyedRecord
-- @include writeRecord
-- @include indexWrites

local n = #KEYS - 1
local text = rcall('GET', KEYS[1])
if text and ARGV[2] == '1' and not keyedListed(1, n) then
  keyedRemove(1, n)
  text = nil
end
if text then
  local count = tonumber(string.match(text, '^{"json":(%d+)}$'))
  if not count then return redis.error_reply('ERR the record is not a counter (increment() counts records it created)') end
  count = count + 1
  rcall('SET', KEYS[1], '{"json":' .. string.format('%d', count) .. '}', 'KEEPTTL')
  return count
end
local writes = {}
writeRecord(1, n, '{"json":1}', tonumber(ARGV[1]), now(), writes)
settleIndexes(writes)
return 1
