-- Gives an index the expiry of its longest-lived member: PEXPIREAT its highest score,
-- or no expiry when that score is +inf. An emptied index is already gone.
local function fixIndexExpiry(index)
  local top = rcall('ZRANGE', index, -1, -1, 'WITHSCORES')
  local score = top[2]
  if score == nil then return end
  if score == 'inf' then
    rcall('PERSIST', index)
  else
    rcall('PEXPIREAT', index, score)
  end
end
