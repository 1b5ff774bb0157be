#!lua flags=allow-oom
--[[
  Checks records given by their value keys (verify): every index of a prefix of a live
  record's key must list it. With repair, adds each missing member back, scored with the
  value's own expiry, and gives each index it changed the expiry of its longest-lived
  member; or, with `checked` (a server whose maxmemory policy evicts, where reads already
  count such a record as gone), removes the record whole, so that repair never brings back
  what a deleteAll could not find. Each record is checked and repaired in this one atomic run.

  Input:
    KEYS[1]    the namespace's root index '{ns}:#' (names the namespace)
    KEYS[2..]  value keys of the namespace
    ARGV[1]    '1' to repair, '0' to only report
    ARGV[2]    '1' when a record missing from an index counts as gone (evicting policy), else '0'

  Output:
    { value key, index key, value key, index key, ... }: each index missing a live record
]]
local rcall = redis.call
-- @include fixIndexExpiry
-- @include eachIndexEntry
-- @include removeRecord

local base = string.sub(KEYS[1], 1, -2)
-- READONLY: true in the read-only variant (flags=no-writes: replicas run it; generated at build), which repairs nothing.
local READONLY = false
local repair = ARGV[1] == '1' and not READONLY
local checked = ARGV[2] == '1'
local out = {}
local touched = {}

for i = 2, #KEYS do
  local key = KEYS[i]
  local expireAt = rcall('PEXPIRETIME', key)
  if expireAt ~= -2 then
    local score = expireAt == -1 and '+inf' or expireAt
    local missing = false
    eachIndexEntry(base, key, function(index, member)
      if rcall('ZSCORE', index, member) then return end
      missing = true
      out[#out + 1] = key
      out[#out + 1] = index
      if repair and not checked then
        rcall('ZADD', index, score, member)
        touched[index] = true
      end
    end)
    if missing and repair and checked then removeRecord(base, key, touched) end
  end
end
for index in pairs(touched) do fixIndexExpiry(index) end
return out
