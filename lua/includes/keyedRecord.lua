-- A record named in KEYS, as the write scripts take it: its value key KEYS[k], then the
-- index keys of its prefixes KEYS[k+1] .. KEYS[k+n], shortest first. Its member in index
-- KEYS[i] is the value key after the index key's length less its final '#'.
-- Needs fixIndexExpiry.

-- Whether every index of its prefixes lists the record.
local function keyedListed(k, n)
  local key = KEYS[k]
  for i = k + 1, k + n do
    if not rcall('ZSCORE', KEYS[i], string.sub(key, #KEYS[i])) then return false end
  end
  return true
end

-- Removes the record: its value and its member in each index, then gives each index the
-- expiry of its longest-lived remaining member. Returns 1 when a value was removed, else 0.
local function keyedRemove(k, n)
  local key = KEYS[k]
  local removed = rcall('UNLINK', key)
  for i = k + 1, k + n do
    rcall('ZREM', KEYS[i], string.sub(key, #KEYS[i]))
    fixIndexExpiry(KEYS[i])
  end
  return removed
end
