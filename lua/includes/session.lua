-- A session's records (src/session/records.ts): the session at KEYS[1] holds
-- '{"json":[owner,data]}', owner being the JSON string of its user's encoded key part, or
-- null; its entry in its user's index is linkStart .. owner .. ':' .. sid.
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

-- The key of the user entry of a stored session, or nil.
local function linkOf(text, linkStart, sid)
  local owner = ownerOf(text)
  if owner then return linkStart .. owner .. ':' .. sid end
  return nil
end

-- Whether a stored session is whole: listed in every index, and so is its user entry, which
-- exists. Under a maxmemory policy that evicts, a session missing any of that counts as gone:
-- a revocation of its user could not have found it.
local function sessionWhole(base, key, link)
  if not listedEverywhere(base, key, nil) then return false end
  if not link then return true end
  return rcall('EXISTS', link) == 1 and listedEverywhere(base, link, nil)
end

-- Removes a session and its user entry; returns 1 when the session's value was there, else 0.
local function removeSession(base, key, text, linkStart, sid, touched)
  if text then
    local link = linkOf(text, linkStart, sid)
    if link then removeRecord(base, link, touched) end
  end
  return removeRecord(base, key, touched)
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
