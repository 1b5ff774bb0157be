#!lua
--[[
  Destroys a session (RedisSessionStore.destroy): removes it and its listing under its user,
  and writes its tombstone, which makes session/set.lua refuse the id until the later of
  the session's own expiry and now + ARGV[4]. An id with no session writes nothing (no
  tombstone): regenerate() of a fresh session, or a client making up ids, leaves no keys.

  Input:
    KEYS[1]   the session's value key
    KEYS[2]   its tombstone's value key
    ARGV[1]   the bucket's '{ns}:'
    ARGV[2]   the start of its users' keys: '{ns}:[shard:]uid:'
    ARGV[3]   the session id, encoded as a key part
    ARGV[4]   the tombstone's shortest life in milliseconds

  Output:
    1 when a session was removed (and its tombstone written), else 0 (nothing written)
]]
local rcall = redis.call
-- @include now
-- @include fixIndexExpiry
-- @include session

local base, userStart, sid = ARGV[1], ARGV[2], ARGV[3]
local key = KEYS[1]
local at = now()
local touched = {}
local expiry = rcall('PEXPIRETIME', key)
local removed = removeSession(base, key, rcall('GET', key), userStart, sid, touched)
if removed == 1 then writeTombstone(base, KEYS[2], expiry, at, tonumber(ARGV[4]), touched) end
for index in pairs(touched) do fixIndexExpiry(index) end
return removed
