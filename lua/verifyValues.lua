#!lua flags=allow-oom
--[[
  Checks records given by their value keys (verify): every index of a prefix of a live
  record's key must list it. With repair, adds each missing member back, scored with the
  value's own expiry, and gives each index it changed the expiry of its longest-lived
  member. Each record is checked and repaired in this one atomic run.

  Input:
    KEYS[1]    the namespace's root index '{ns}:#' (names the namespace)
    KEYS[2..]  value keys of the namespace
    ARGV[1]    '1' to repair, '0' to only report

  Output:
    { value key, index key, value key, index key, ... }: each index missing a live record
]]
local rcall = redis.call
-- @include fixIndexExpiry
-- @include eachIndexEntry

local base = string.sub(KEYS[1], 1, -2)
local repair = ARGV[1] == '1'
local out = {}
local touched = {}

local function check(key, index, member, score)
  if rcall('ZSCORE', index, member) then return end
  out[#out + 1] = key
  out[#out + 1] = index
  if repair then
    rcall('ZADD', index, score, member)
    touched[index] = true
  end
end

for i = 2, #KEYS do
  local key = KEYS[i]
  local expireAt = rcall('PEXPIRETIME', key)
  if expireAt ~= -2 then
    local score = expireAt == -1 and '+inf' or expireAt
    eachIndexEntry(base, key, function(index, member) check(key, index, member, score) end)
  end
end
for index in pairs(touched) do fixIndexExpiry(index) end
return out
