#!lua
--[[
  Gives a live session a new expiry (RedisSessionStore.touch), and its member in its user's
  set the same one. A session that is gone stays gone: nothing is written for it. When
  `checked` (a maxmemory policy that evicts), a session that is not whole (sessionWhole) is
  removed instead. With a touch interval, a session whose expiry would move by less than it
  is left as it is (the per-request path then writes nothing). The expiries of the indexes
  and the set are settled as the core's writes settle them (indexWrites: one
  PEXPIREAT ... GT each). A session listed by an entry record (written before the sets) is
  moved into the set.

  Input:
    KEYS[1]   the session's value key
    ARGV[1]   the bucket's '{ns}:'
    ARGV[2]   the start of its users' keys: '{ns}:[shard:]uid:'
    ARGV[3]   the session id, encoded as a key part
    ARGV[4]   the new ttl in milliseconds ('0' for never expiring)
    ARGV[5]   '1' to require the session to be whole, else '0'
    ARGV[6]   the touch interval in ms: leave the expiry when it would move by less ('0': always move it)

  Output:
    1 when the session was live and got its new expiry; 2 when it was live and its expiry
    was within the interval (nothing written); 0 when there was no such session
]]
local rcall = redis.call
-- @include now
-- @include fixIndexExpiry
-- @include session

local base, userStart, sid = ARGV[1], ARGV[2], ARGV[3]
local key = KEYS[1]
local stored = rcall('GET', key)
if not stored then return 0 end
local owner = ownerOf(stored)
local touched = {}

if ARGV[5] == '1' and not sessionWhole(base, key, userStart, owner, sid) then
  removeSession(base, key, stored, userStart, sid, touched)
  for index in pairs(touched) do fixIndexExpiry(index) end
  return 0
end

local at = now()
local ttl = tonumber(ARGV[4])
local interval = tonumber(ARGV[6])
local was = rcall('PEXPIRETIME', key)
if interval > 0 then
  if ttl == 0 and was == -1 then return 2 end
  if ttl > 0 and was > 0 and math.abs(at + ttl - was) < interval then return 2 end
end

local score = '+inf'
if ttl > 0 then score = string.format('%d', at + ttl) end
local writes = {}
expireAt(base, key, score, at, was, writes)
if owner then listUnder(base, userStart, owner, sid, score, at, was, writes, touched) end

settleIndexes(writes)
for index in pairs(touched) do fixIndexExpiry(index) end
return 1
