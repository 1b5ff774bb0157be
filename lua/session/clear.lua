#!lua
--[[
  Removes a page of the sessions of one bucket (RedisSessionStore.clear): each session the
  bucket's index of sessions lists, with its listing under its user, as session/destroy.lua
  removes it, but without a tombstone (clear is not a sign-out). At most ARGV[3] members a
  call; the caller calls again while some remain.

  Input:
    KEYS[1]   the bucket's index of sessions: '{ns}:[shard:]sid:#'
    ARGV[1]   the bucket's '{ns}:'
    ARGV[2]   the start of the bucket's keys before the record kind: '{ns}:[shard:]'
    ARGV[3]   how many sessions to remove at most

  Output:
    how many members the index has left
]]
local rcall = redis.call
-- @include fixIndexExpiry
-- @include session

local base, start = ARGV[1], ARGV[2]
local userStart = start .. 'uid:'
local touched = {}
for _, sid in ipairs(rcall('ZRANGE', KEYS[1], 0, tonumber(ARGV[3]) - 1)) do
  local key = start .. 'sid:' .. sid
  removeSession(base, key, rcall('GET', key), userStart, sid, touched)
end
for changed in pairs(touched) do fixIndexExpiry(changed) end
return rcall('ZCARD', KEYS[1])
