#!lua
--[[
  Writes records: for each, scores the rest of its key in the index of every prefix with the
  record's expiry and sets the value with the same expiry; an index that gains a member is
  pruned of expired members (a bounded number) once. Then gives each index touched the
  expiry of its longest-lived member, once per index (lua/includes/indexWrites.lua). All
  records of one call or none: without flags, Redis refuses the whole script under OOM
  before it runs.

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
-- @include writeRecord
-- @include indexWrites

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

settleIndexes(touched)
return written
