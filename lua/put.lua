#!lua
--[[
  Writes records: for each, prunes expired members (a bounded number per index) from every
  index of its prefixes, adds
  the rest of its key to each of them scored with the record's expiry, sets the value with
  the same expiry, then gives each index touched the expiry of its longest-lived member.
  All records of one call or none: without flags, Redis refuses the whole script under
  OOM before it runs.

  Input:
    KEYS    per record, in order: its value key, then the index keys of its prefixes of
            length 0 .. n-1 (n = its number of parts), shortest first
    ARGV[1] ttl in milliseconds; '0' for records that never expire
    ARGV[2k], ARGV[2k+1]  for the k-th record: n, then its serialized value

  Output:
    the number of records written
]]
local rcall = redis.call
-- @include now
-- @include prune
-- @include fixIndexExpiry

local at = now()
local ttl = tonumber(ARGV[1])
local expireAt = nil
local score = '+inf'
if ttl > 0 then
  expireAt = at + ttl
  score = expireAt
end
local touched = {}
local k = 1
local written = 0
for a = 2, #ARGV, 2 do
  local n = tonumber(ARGV[a])
  local key = KEYS[k]
  for i = k + 1, k + n do
    local index = KEYS[i]
    if not touched[index] then
      touched[index] = true
      prune(index, at)
    end
    rcall('ZADD', index, score, string.sub(key, #index))
  end
  if expireAt then
    rcall('SET', key, ARGV[a + 1], 'PXAT', expireAt)
  else
    rcall('SET', key, ARGV[a + 1])
  end
  k = k + n + 1
  written = written + 1
end

for index in pairs(touched) do fixIndexExpiry(index) end
return written
