-- Writes one record named in KEYS (its value key KEYS[k], then the index keys of its
-- prefixes KEYS[k+1] .. KEYS[k+n], shortest first): scores the rest of the key in each index
-- with the record's expiry (scoreIn; before the value is set, whose old expiry tells
-- whether a rescored member went down), and sets the value with that same expiry. ttl in ms,
-- 0 for never; at is the server's clock. The caller settles the indexes' expiries
-- afterwards (settleIndexes(writes)).
-- @include indexWrites
local function writeRecord(k, n, text, ttl, at, writes)
  local key = KEYS[k]
  local score = '+inf'
  if ttl > 0 then score = string.format('%d', at + ttl) end
  -- A listed member's score is its value's expiry (written together): the record's
  -- members go down only if its value expired later than the new score, or is gone.
  local lowered
  local function lowers()
    if lowered == nil then
      local old = rcall('PEXPIRETIME', key)
      lowered = old == -2 or (ttl > 0 and (old == -1 or old > at + ttl))
    end
    return lowered
  end
  for i = k + 1, k + n do
    local index = KEYS[i]
    scoreIn(writes, index, string.sub(key, #index), score, at, lowers)
  end
  if ttl > 0 then
    rcall('SET', key, text, 'PXAT', score)
  else
    rcall('SET', key, text)
  end
end
