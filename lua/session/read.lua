#!lua
--[[
  Reads a session where the server can evict (RedisSessionStore.get with a maxmemory policy
  that evicts): it is live only while whole (sessionWhole: the session listed in every index,
  and listed under its user); one that is not is removed, so no later call finds half of it.
  Where nothing is evicted the store reads with a plain GET instead.

  Input:
    KEYS[1]   the session's value key
    ARGV[1]   the bucket's '{ns}:'
    ARGV[2]   the start of its users' keys: '{ns}:[shard:]uid:'
    ARGV[3]   the session id, encoded as a key part

  Output:
    the stored text, or false
]]
local rcall = redis.call
-- @include fixIndexExpiry
-- @include session

-- READONLY: true in the read-only variant (flags=no-writes: replicas run it; generated at build), which repairs nothing.
local READONLY = false
local base, userStart, sid = ARGV[1], ARGV[2], ARGV[3]
local key = KEYS[1]
local stored = rcall('GET', key)
if not stored then return false end
if sessionWhole(base, key, userStart, ownerOf(stored), sid) then return stored end

if READONLY then return false end
local touched = {}
removeSession(base, key, stored, userStart, sid, touched)
for index in pairs(touched) do fixIndexExpiry(index) end
return false
