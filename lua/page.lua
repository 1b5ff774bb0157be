#!lua flags=allow-oom
--[[
  Reads one page of records that match a pattern, from the index of the pattern's prefix:
  prunes expired members, reads one ZSCAN page from the cursor, keeps the members that
  match the rest of the pattern and reads their values. Allowed under OOM: pruning only
  frees memory, and reads must keep working.

  Input:
    KEYS[1]   the index key of the pattern's prefix
    ARGV[1]   the ZSCAN cursor; '0' starts
    ARGV[2]   the ZSCAN COUNT hint
    ARGV[3]   '1' when the pattern ends with REST, else '0'
    ARGV[4..] the pattern's parts after the prefix, encoded; '' stands for ANY

  Output:
    { next cursor ('0' when the scan is complete), member, value, member, value, ... }
    Members are relative to the prefix. ZSCAN may return a member on two pages.
]]
local rcall = redis.call
-- @include now
-- @include matchMember

local index = KEYS[1]
rcall('ZREMRANGEBYSCORE', index, '-inf', '(' .. now())
local page = rcall('ZSCAN', index, ARGV[1], 'COUNT', ARGV[2])
local rest, tail = readTail(3)
local base = string.sub(index, 1, -2)

local out = { page[1] }
local items = page[2]
for i = 1, #items, 2 do
  local member = items[i]
  if matchMember(member, rest, tail) then
    local value = rcall('GET', base .. member)
    if value then
      out[#out + 1] = member
      out[#out + 1] = value
    end
  end
end
return out
