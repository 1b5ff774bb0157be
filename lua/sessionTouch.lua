#!lua
--[[
  Gives a live session a new expiry (RedisSessionStore.touch), and its entry in its user's
  index the same one. A session that is gone stays gone: nothing is written for it. When
  `checked` (a maxmemory policy that evicts), a session that is not whole (sessionWhole) is
  removed instead. With a touch interval, a session whose expiry would move by less than it
  is left as it is (the per-request path then writes nothing). The indexes' expiries are
  settled as the core's writes settle them (indexWrites: one PEXPIREAT ... GT per index).

  Input:
    KEYS[1]   the session's value key
    ARGV[1]   the bucket's '{ns}:'
    ARGV[2]   the start of its user entries' keys: '{ns}:[shard:]uid:'
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
-- @include recordAt
-- @include session

local base, linkStart, sid = ARGV[1], ARGV[2], ARGV[3]
local key = KEYS[1]
local stored = rcall('GET', key)
if not stored then return 0 end
local link = linkOf(stored, linkStart, sid)

if ARGV[5] == '1' and not sessionWhole(base, key, link) then
  local touched = {}
  removeSession(base, key, stored, linkStart, sid, touched)
  for index in pairs(touched) do fixIndexExpiry(index) end
  return 0
end

local at = now()
local ttl = tonumber(ARGV[4])
local interval = tonumber(ARGV[6] or '0')
local old = rcall('PEXPIRETIME', key)
if interval > 0 then
  if ttl == 0 and old == -1 then return 2 end
  if ttl > 0 and old > 0 and math.abs(at + ttl - old) < interval then return 2 end
end

local score = '+inf'
if ttl > 0 then score = string.format('%d', at + ttl) end
local writes = {}
expireAt(base, key, score, at, old, writes)
if link then
  local was = rcall('PEXPIRETIME', link)
  if was == -2 then
    writeAt(base, link, '{"json":1}', score, at, writes)
  else
    expireAt(base, link, score, at, was, writes)
  end
end

settleIndexes(writes)
return 1
