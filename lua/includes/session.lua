-- A session's records (src/session/records.ts). The session at KEYS[1] holds
-- '{"json":[owner,data]}', owner being the JSON string of its user's encoded key part, or
-- null. It is listed under its user in one of two ways, both read:
--   its user's set       userStart .. owner .. ':#sid', members the session ids scored with
--                        their expiry (a set kept by the store, not a record: layout.ts);
--                        what every write makes;
--   an entry record      userStart .. owner .. ':' .. sid, value {"json":1}, listed in the
--                        indexes of its prefixes: what releases before it wrote; moved into
--                        the set when the session is next written or touched.
-- userStart is '{ns}:[shard:]uid:'.
-- @include listedEverywhere
-- @include recordAt
-- @include removeRecord

-- The encoded key part of a stored session's user; nil when it has none (or the text is
-- not a stored session).
local function ownerOf(text)
  if string.sub(text, 1, 10) ~= '{"json":["' then return nil end
  local i = 11
  while true do
    local q = string.find(text, '["\\]', i)
    if not q then return nil end
    if string.sub(text, q, q) == '"' then return cjson.decode(string.sub(text, 10, q)) end
    i = q + 2
  end
end

-- The set of a user's sessions.
local function userSetOf(userStart, owner)
  return userStart .. owner .. ':#sid'
end

-- A session's entry record under its user, as releases before the set wrote it.
local function entryOf(userStart, owner, sid)
  return userStart .. owner .. ':' .. sid
end

-- Whether a stored session is whole: listed in every index, and listed under its user (in
-- the set, or by an entry record that exists and is listed in every index). Under a
-- maxmemory policy that evicts, a session missing any of that counts as gone: a revocation
-- of its user could not have found it.
local function sessionWhole(base, key, userStart, owner, sid)
  if not listedEverywhere(base, key, nil) then return false end
  if not owner then return true end
  if rcall('ZSCORE', userSetOf(userStart, owner), sid) then return true end
  local entry = entryOf(userStart, owner, sid)
  return rcall('EXISTS', entry) == 1 and listedEverywhere(base, entry, nil)
end

-- Removes an entry record of the session under `owner`, if there is one (a session written
-- before the set, or a stale entry), marking the indexes it changed in touched. `whole`: its
-- index entries go even when its value is gone (a stale member of an index, which would
-- otherwise stay).
local function removeEntry(base, userStart, owner, sid, touched, whole)
  local entry = entryOf(userStart, owner, sid)
  if whole or rcall('EXISTS', entry) == 1 then removeRecord(base, entry, touched) end
end

-- Takes a session off its user's listing, both ways; marks what changed in touched. `whole`
-- as for removeEntry.
local function unlist(base, userStart, owner, sid, touched, whole)
  local set = userSetOf(userStart, owner)
  if rcall('ZREM', set, sid) == 1 then touched[set] = true end
  removeEntry(base, userStart, owner, sid, touched, whole)
end

-- Removes a session and its listing under its user; returns 1 when the session's value was
-- there, else 0.
local function removeSession(base, key, text, userStart, sid, touched)
  local owner = text and ownerOf(text)
  if owner then unlist(base, userStart, owner, sid, touched) end
  return removeRecord(base, key, touched)
end

-- Lists a session under its user in the set, scored with its expiry (scoreIn, for
-- settleIndexes), moving an entry record of it into the set; `was` is the session's
-- PEXPIRETIME before this write. A member already in the set had no entry record beside it
-- (every write moves it), so only a member added looks for one.
local function listUnder(base, userStart, owner, sid, score, at, was, writes, touched)
  if scoreIn(writes, userSetOf(userStart, owner), sid, score, at, lowersFrom(was, score)) then
    removeEntry(base, userStart, owner, sid, touched)
  end
end

-- Writes a tombstone that outlives the session it marks: until the later of the session's
-- own expiry (PEXPIRETIME: -1 for none, -2 for no session) and at + minimum.
local function writeTombstone(base, key, expiry, at, minimum, touched)
  local score = at + minimum
  if expiry == -1 then
    score = '+inf'
  elseif expiry > score then
    score = expiry
  end
  putAt(base, key, '{"json":' .. at .. '}', score, at, touched)
end

-- Revokes a session listed under `owner` (user revocation, a cap on a user's sessions): takes
-- it off the user's listing, and when it still belongs to the user removes it and writes its
-- tombstone, as session/destroy.lua does. start is the bucket's '{ns}:[shard:]'; `whole` as
-- for removeEntry. Returns 1 when a session was removed, else 0 (a stale listing).
local function revokeListed(base, start, owner, sid, at, minimum, touched, whole)
  local userStart = start .. 'uid:'
  unlist(base, userStart, owner, sid, touched, whole)
  local key = start .. 'sid:' .. sid
  local stored = rcall('GET', key)
  if not stored or ownerOf(stored) ~= owner then return 0 end
  local expiry = rcall('PEXPIRETIME', key)
  local removed = removeRecord(base, key, touched)
  writeTombstone(base, start .. 'revoked:' .. sid, expiry, at, minimum, touched)
  return removed
end
