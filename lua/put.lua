#!lua
--[[
  Writes records: for each, prunes expired members (a bounded number per index) from every
  index of its prefixes, adds the rest of its key to each of them scored with the record's
  expiry, sets the value with the same expiry, then gives each index touched the expiry of
  its longest-lived member. All records of one call or none: without flags, Redis refuses
  the whole script under OOM before it runs.

  Input:
    KEYS    per record, in order: its value key, then the index keys of its prefixes of
            length 0 .. n-1 (n = its number of parts), shortest first
    ARGV    per record, in order: n, its ttl in milliseconds ('0' for never expiring), its
            serialized value

  Output:
    the number of records written
]]
local rcall = redis.call
-- @include now
-- @include prune
-- @include fixIndexExpiry
-- @include writeRecord

local at = now()
local touched = {}
local k = 1
local written = 0
for a = 1, #ARGV, 3 do
  local n = tonumber(ARGV[a])
  writeRecord(k, n, ARGV[a + 2], tonumber(ARGV[a + 1]), at, touched)
  k = k + n + 1
  written = written + 1
end

for index in pairs(touched) do fixIndexExpiry(index) end
return written
