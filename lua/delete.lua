#!lua flags=allow-oom
--[[
  Deletes records (delete, deleteMany, take): for each, its value and its member in the
  index of every prefix of its key, then gives each of those indexes the expiry of its
  longest-lived remaining member. With 'value', answers the value the one record had (take:
  a one-time token is used once, by exactly one caller). With `checked` (a server whose
  maxmemory policy evicts), a record an index misses counts as gone: it is removed all the
  same, and not counted or returned. Allowed under OOM: it only frees memory.

  Input:
    KEYS      per record, in order: its value key, then the index keys of its prefixes of
              length 0 .. n-1 (n = its number of parts), shortest first
    ARGV[1]   what to answer: 'count' or 'value' (one record)
    ARGV[2]   '1' to count only records every index lists (evicting policy), else '0'
    ARGV[3..] per record: n

  Output:
    'count': the number of live records removed; 'value': the record's value, or false
]]
local rcall = redis.call
-- @include keyedRecord

local checked = ARGV[2] == '1'
local removed = 0
local value = false
local k = 1
for a = 3, #ARGV do
  local n = tonumber(ARGV[a])
  local live = not checked or keyedListed(k, n)
  if ARGV[1] == 'value' and live then value = rcall('GET', KEYS[k]) end
  if keyedRemove(k, n) == 1 and live then removed = removed + 1 end
  k = k + n + 1
end
if ARGV[1] == 'value' then return value end
return removed
