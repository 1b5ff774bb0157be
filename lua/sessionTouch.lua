#!lua
--[[
  Gives a live session a new expiry (RedisSessionStore.touch), and its entry in its user's
  index the same one. A session that is gone stays gone: nothing is written for it. When
  `checked` (a maxmemory policy that evicts), a session that is not whole (sessionWhole) is
  removed instead.

  Input:
    KEYS[1]   the session's value key
    ARGV[1]   the bucket's '{ns}:'
    ARGV[2]   the start of its user entries' keys: '{ns}:[shard:]uid:'
    ARGV[3]   the session id, encoded as a key part
    ARGV[4]   the new ttl in milliseconds ('0' for never expiring)
    ARGV[5]   '1' to require the session to be whole, else '0'

  Output:
    1 when the session was live and got its new expiry, else 0
]]
local rcall = redis.call
-- @include now
-- @include fixIndexExpiry
-- @include recordAt
-- @include session

local base, linkStart, sid = ARGV[1], ARGV[2], ARGV[3]
local key = KEYS[1]
local stored = rcall('GET', key)
if not stored then return 0 end
local link = linkOf(stored, linkStart, sid)
local touched = {}

if ARGV[5] == '1' and not sessionWhole(base, key, link) then
  removeSession(base, key, stored, linkStart, sid, touched)
  for index in pairs(touched) do fixIndexExpiry(index) end
  return 0
end

local at = now()
local ttl = tonumber(ARGV[4])
local score = '+inf'
if ttl > 0 then score = at + ttl end
expireAt(base, key, score, at, touched)
if link then
  if rcall('EXISTS', link) == 1 then
    expireAt(base, link, score, at, touched)
  else
    putAt(base, link, '{"json":1}', score, at, touched)
  end
end

for index in pairs(touched) do fixIndexExpiry(index) end
return 1
