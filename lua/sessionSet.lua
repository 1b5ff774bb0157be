#!lua
--[[
  Saves a session (RedisSessionStore.set), unless it was destroyed or revoked: a request
  that loaded it before then must not write it back. When its user changed, its entry moves
  from the old user's index to the new one in this same script, so it is never listed under
  both users or under neither. The session and its user entry get one expiry; the indexes'
  expiries are settled as the core's writes settle them (indexWrites).

  Input:
    KEYS[1]   the session's value key
    KEYS[2]   its tombstone's value key
    KEYS[3]   its entry in the new user's index (absent without a user)
    ARGV[1]   the bucket's '{ns}:'
    ARGV[2]   the start of its user entries' keys: '{ns}:[shard:]uid:'
    ARGV[3]   the session id, encoded as a key part
    ARGV[4]   the ttl in milliseconds ('0' for never expiring)
    ARGV[5]   the text to store: '{"json":[owner,data]}'
    ARGV[6]   the touch interval in ms ('0': none): a session saved again with the same user,
              whose expiry would move by less than it, keeps its expiry (SET ... KEEPTTL), and
              its index entries are left as they are

  Output:
    1 when written; 0 when refused (the session was destroyed or revoked)
]]
local rcall = redis.call
-- @include now
-- @include fixIndexExpiry
-- @include removeRecord
-- @include recordAt
-- @include session

local base, linkStart, sid = ARGV[1], ARGV[2], ARGV[3]
if rcall('EXISTS', KEYS[2]) == 1 then return 0 end

local at = now()
local ttl = tonumber(ARGV[4])
local score = '+inf'
if ttl > 0 then score = string.format('%d', at + ttl) end
local touched, writes = {}, {}

local stored = rcall('GET', KEYS[1])
local old = stored and linkOf(stored, linkStart, sid)
local interval = tonumber(ARGV[6] or '0')
if stored and interval > 0 and old == KEYS[3] and (not old or rcall('EXISTS', old) == 1) then
  local was = rcall('PEXPIRETIME', KEYS[1])
  if (ttl == 0 and was == -1) or (ttl > 0 and was > 0 and math.abs(at + ttl - was) < interval) then
    rcall('SET', KEYS[1], ARGV[5], 'KEEPTTL')
    return 1
  end
end
if old and old ~= KEYS[3] then removeRecord(base, old, touched) end
writeAt(base, KEYS[1], ARGV[5], score, at, writes)
if KEYS[3] then writeAt(base, KEYS[3], '{"json":1}', score, at, writes) end

settleIndexes(writes)
-- An index the old user entry left may have lost its longest-lived member.
for index in pairs(touched) do fixIndexExpiry(index) end
return 1
