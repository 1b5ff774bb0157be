-- Records named by their value key alone, their index keys derived from it (eachIndexEntry);
-- for scripts whose records are found from stored data (a session's entry record under its user). base is
-- the bucket's '{ns}:'; score is the expiry in epoch ms, or '+inf'; at is the server's clock.
-- Two ways to keep the indexes' expiries:
--   putAt(..., touched)            marks each index changed; the caller gives every index in
--                                  touched the expiry of its longest-lived member afterwards
--                                  (fixIndexExpiry): for scripts that also remove records
--                                  (destroy, revoke), where an index's top may go down;
--   scoreAt / writeAt(..., writes) as the core's writes (indexWrites): the caller settles
--                                  them with settleIndexes(writes), one PEXPIREAT ... GT per
--                                  index, and an index is pruned only when a member is added:
--                                  for the per-request paths (a session's save and touch).
-- @include eachIndexEntry
-- @include prune
-- @include indexWrites

-- Scores a record's member in the index of every prefix with its expiry, pruning each index
-- the first time this run touches it.
local function listAt(base, key, score, at, touched)
  eachIndexEntry(base, key, function(index, member)
    if not touched[index] then
      touched[index] = true
      prune(index, at)
    end
    rcall('ZADD', index, score, member)
  end)
end

-- Sets a record's value with its expiry.
local function setValue(key, text, score)
  if score == '+inf' then
    rcall('SET', key, text)
  else
    rcall('SET', key, text, 'PXAT', score)
  end
end

-- Writes a record: its value, and its member in the index of every prefix, with one expiry.
local function putAt(base, key, text, score, at, touched)
  listAt(base, key, score, at, touched)
  setValue(key, text, score)
end

-- Whether members scored with a record's old expiry `was` (its PEXPIRETIME before this write;
-- -2: absent) may go down when scored `score`: only if it expired later, or was absent.
local function lowersFrom(was, score)
  local lowered = was == -2 or (score ~= '+inf' and (was == -1 or was > tonumber(score)))
  return function() return lowered end
end

-- Scores a record's member in the index of every prefix (scoreIn); was as lowersFrom.
local function scoreAt(base, key, score, at, was, writes)
  local lowers = lowersFrom(was, score)
  eachIndexEntry(base, key, function(index, member) scoreIn(writes, index, member, score, at, lowers) end)
end

-- Writes a record, its value and its members with one expiry (scoreAt), for settleIndexes.
local function writeAt(base, key, text, score, at, writes)
  scoreAt(base, key, score, at, rcall('PEXPIRETIME', key), writes)
  setValue(key, text, score)
end

-- Gives an existing record (its expiry was `was`) a new expiry, for settleIndexes.
local function expireAt(base, key, score, at, was, writes)
  if score == '+inf' then
    rcall('PERSIST', key)
  else
    rcall('PEXPIREAT', key, score)
  end
  scoreAt(base, key, score, at, was, writes)
end
