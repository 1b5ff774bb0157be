-- Records named by their value key alone, their index keys derived from it (eachIndexEntry);
-- for scripts whose records are found from stored data (a session's user entry). base is
-- the bucket's '{ns}:'; score is the expiry in epoch ms, or '+inf'; at is the server's clock.
-- Each index changed is marked in touched: the caller gives it the expiry of its
-- longest-lived member afterwards (fixIndexExpiry).
-- @include eachIndexEntry
-- @include prune

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

-- Writes a record: its value, and its member in the index of every prefix, with one expiry.
local function putAt(base, key, text, score, at, touched)
  listAt(base, key, score, at, touched)
  if score == '+inf' then
    rcall('SET', key, text)
  else
    rcall('SET', key, text, 'PXAT', score)
  end
end

-- Gives an existing record a new expiry: its value and its member in every index.
local function expireAt(base, key, score, at, touched)
  if score == '+inf' then
    rcall('PERSIST', key)
  else
    rcall('PEXPIREAT', key, score)
  end
  listAt(base, key, score, at, touched)
end
