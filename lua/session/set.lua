#!lua
--[[
  Saves a session (RedisSessionStore.set), unless it was destroyed or revoked: a request
  that loaded it before then must not write it back. When its user changed, it moves from
  the old user's set to the new one's in this same script, so it is never listed under
  both users or under neither. The session and its member in its user's set get one
  expiry; the indexes' and the set's expiries are settled as the core's writes settle them
  (indexWrites). A session listed by an entry record (written before the sets) is moved
  into the set.

  Input:
    KEYS[1]   the session's value key
    KEYS[2]   its tombstone's value key
    KEYS[3]   its user's set of sessions (absent without a user)
    ARGV[1]   the bucket's '{ns}:'
    ARGV[2]   the start of its users' keys: '{ns}:[shard:]uid:'
    ARGV[3]   the session id, encoded as a key part
    ARGV[4]   the ttl in milliseconds ('0' for never expiring)
    ARGV[5]   the text to store: '{"json":[owner,data]}'
    ARGV[6]   the touch interval in ms ('0': none): a session saved again with the same user,
              whose expiry would move by less than it, keeps its expiry (SET ... KEEPTTL), and
              its index entries are left as they are
    ARGV[7]   its user, encoded as a key part ('' without a user)

  Output:
    1 when written; 0 when refused (the session was destroyed or revoked)
]]
local rcall = redis.call
-- @include now
-- @include fixIndexExpiry
-- @include session

local base, userStart, sid = ARGV[1], ARGV[2], ARGV[3]
local key = KEYS[1]
if rcall('EXISTS', KEYS[2]) == 1 then return 0 end

local at = now()
local ttl = tonumber(ARGV[4])
local score = '+inf'
if ttl > 0 then score = string.format('%d', at + ttl) end
local owner = ARGV[7] ~= '' and ARGV[7] or nil

local stored = rcall('GET', key)
local old = stored and ownerOf(stored)
local was = rcall('PEXPIRETIME', key)
local interval = tonumber(ARGV[6])
if stored and interval > 0 and old == owner and (not owner or rcall('ZSCORE', KEYS[3], sid)) then
  if (ttl == 0 and was == -1) or (ttl > 0 and was > 0 and math.abs(at + ttl - was) < interval) then
    rcall('SET', key, ARGV[5], 'KEEPTTL')
    return 1
  end
end

local touched, writes = {}, {}
if old and old ~= owner then unlist(base, userStart, old, sid, touched) end
scoreAt(base, key, score, at, was, writes)
setValue(key, ARGV[5], score)
if owner then listUnder(base, userStart, owner, sid, score, at, was, writes, touched) end

settleIndexes(writes)
-- An index or set the old listing left may have lost its longest-lived member.
for index in pairs(touched) do fixIndexExpiry(index) end
return 1
