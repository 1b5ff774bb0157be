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
    KEYS[4]   with a cap (ARGV[8]): the user's sign-ins, '{ns}:uid:<user>:#signin', session
              ids scored with the time the session was signed in to the user (one bucket only:
              every key of the user is in this script's slot)
    ARGV[8]   the most sessions the user may have ('0' or absent: no cap). A save that signs
              the session in to its user (a new session with a user, or a change of user)
              and leaves the user with more live sessions than this revokes the user's
              sessions signed in first, as session/destroy.lua does (tombstone included), in
              this same script
    ARGV[9]   with a cap: a tombstone's shortest life in milliseconds

  Output:
    1 when written; 0 when refused (the session was destroyed or revoked); with a cap, when
    sessions were revoked, { 1, id, ... }: their ids, encoded
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

local revoked = { 1 }
local cap = tonumber(ARGV[8] or '0')
if cap > 0 and owner and old ~= owner then
  -- A sign-in: past the cap, the sessions signed in first go. The sign-ins are walked from the
  -- oldest, at most SIGNIN_WALK a call; an id whose session is no longer live under the user
  -- (expired, destroyed, revoked, moved) is dropped as it is met, so the walk stops at the
  -- first live one once the user is within the cap.
  local SIGNIN_WALK = 1000
  local sessions, signins = KEYS[3], KEYS[4]
  local start = string.sub(userStart, 1, -5)
  local minimum = tonumber(ARGV[9])
  rcall('ZADD', signins, at, sid)
  local live = rcall('ZCOUNT', sessions, '(' .. at, '+inf')
  for _, other in ipairs(rcall('ZRANGE', signins, 0, SIGNIN_WALK - 1)) do
    if other ~= sid then
      local expires = rcall('ZSCORE', sessions, other)
      local listed = expires and (expires == 'inf' or tonumber(expires) > at)
      if listed and live <= cap then break end
      rcall('ZREM', signins, other)
      if listed then
        live = live - 1
        if revokeListed(base, start, owner, other, at, minimum, touched) == 1 then revoked[#revoked + 1] = other end
      end
    end
  end
end

settleIndexes(writes)
-- An index or set the old listing left may have lost its longest-lived member.
for index in pairs(touched) do fixIndexExpiry(index) end
if cap > 0 and owner then
  -- The sign-ins live as long as the user's set of sessions.
  local until_ = rcall('PEXPIRETIME', KEYS[3])
  if until_ == -1 then rcall('PERSIST', KEYS[4]) elseif until_ > 0 then rcall('PEXPIREAT', KEYS[4], until_) end
end
if #revoked > 1 then return revoked end
return 1
