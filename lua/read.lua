#!lua flags=allow-oom
--[[
  Reads records on a server whose maxmemory policy can evict (get, getMany, has, ttl): a
  record is live only while its value exists and every index of its prefixes lists it.
  Redis evicts keys one by one, so a value can outlive an index entry that a deleteAll of
  that prefix needed to find it: such a record counts as gone, and is removed whole, so
  that no later call brings it back. Allowed under OOM: it only frees memory.

  Input:
    KEYS      per record, in order: its value key, then the index keys of its prefixes of
              length 0 .. n-1 (n = its number of parts), shortest first
    ARGV[1]   what to answer: 'get' (the value), 'exists' (1 or 0) or 'pttl' (PTTL)
    ARGV[2..] per record: n

  Output:
    per record: the value or false ('get'), 1 or 0 ('exists'), PTTL or -2 ('pttl')
]]
local rcall = redis.call
-- @include keyedRecord

-- READONLY: true in the read-only variant (flags=no-writes: replicas run it; generated at build), which repairs nothing.
local READONLY = false
local what = ARGV[1]
local out = {}
local k = 1
for a = 2, #ARGV do
  local n = tonumber(ARGV[a])
  local key = KEYS[k]
  local value = false
  local live = false
  if what == 'get' then
    value = rcall('GET', key)
    live = value ~= false
  else
    live = rcall('EXISTS', key) == 1
  end
  if live and not keyedListed(k, n) then
    -- Half evicted: remove what is left of it (the read-only variant only counts it gone).
    if not READONLY then keyedRemove(k, n) end
    live = false
  end
  if what == 'get' then
    out[#out + 1] = live and value or false
  elseif what == 'exists' then
    out[#out + 1] = live and 1 or 0
  else
    out[#out + 1] = live and rcall('PTTL', key) or -2
  end
  k = k + n + 1
end
return out
