-- A record named in KEYS, as the write scripts take it: its value key KEYS[k], then the
-- index keys of its prefixes KEYS[k+1] .. KEYS[k+n], shortest first. Its member in index
-- KEYS[i] is the value key after the index key's length less its final '#'.
-- @include fixIndexExpiry

-- Whether every index of its prefixes lists the record.
local function keyedListed(k, n)
  local key = KEYS[k]
  for i = k + 1, k + n do
    if not rcall('ZSCORE', KEYS[i], string.sub(key, #KEYS[i])) then return false end
  end
  return true
end

-- Removes the record: its value and its member in each index, then gives each index the
-- expiry of its longest-lived remaining member. The value's own expiry is the member's score
-- (written together), so an index whose expiry is later lost a member that was not its top,
-- and keeps its expiry without reading its top. Returns 1 when a value was removed, else 0.
local function keyedRemove(k, n)
  local key = KEYS[k]
  local expires = rcall('PEXPIRETIME', key)
  local removed = rcall('UNLINK', key)
  for i = k + 1, k + n do
    local index = KEYS[i]
    if rcall('ZREM', index, string.sub(key, #index)) == 1 then
      if expires < 0 then
        fixIndexExpiry(index)
      else
        local indexExpires = rcall('PEXPIRETIME', index)
        if indexExpires >= 0 and expires >= indexExpires then fixIndexExpiry(index) end
      end
    end
  end
  return removed
end
