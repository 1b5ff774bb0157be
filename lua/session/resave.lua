#!lua
--[[
  Saves a session again that this request read (RedisSessionStore.set after its get found
  the session, with the same user, its expiry to move by less than the touch interval): the
  stored text is replaced and its expiry and index entries are kept (SET ... KEEPTTL), only
  while the stored session still has that user and its user's set lists it. Anything else
  (the session gone, another user's now, not in the set: gone from it, or listed by an entry
  record of an earlier release) writes nothing and answers 0, and the caller runs
  session/set.lua. A session destroyed or revoked has no value left (its tombstone was written as
  the value was removed), so this script cannot bring one back.

  Input:
    KEYS[1]   the session's value key
    KEYS[2]   its user's set of sessions (absent without a user)
    ARGV[1]   how its stored text must start: '{"json":[' .. owner .. ',' (owner: JSON string or null)
    ARGV[2]   the text to store: '{"json":[owner,data]}'
    ARGV[3]   the session id, encoded as a key part

  Output:
    1 when written; 0 when not (the caller saves it with session/set.lua)
]]
local rcall = redis.call
local stored = rcall('GET', KEYS[1])
if not stored or string.sub(stored, 1, #ARGV[1]) ~= ARGV[1] then return 0 end
if KEYS[2] and not rcall('ZSCORE', KEYS[2], ARGV[3]) then return 0 end
rcall('SET', KEYS[1], ARGV[2], 'KEEPTTL')
return 1
