#!lua flags=allow-oom
--[[
  Deletes one page of records that match a pattern, found in the index of the pattern's
  prefix: reads one ZSCAN page from the cursor and removes each matching record whole (its
  value and its member in the index of every prefix of its key), batched: one UNLINK and one
  ZREM per index for the page, then gives each index it changed the expiry of its
  longest-lived remaining member. Allowed under OOM: it only
  frees memory.

  Input:
    KEYS[1]   the index key of the pattern's prefix
    KEYS[2]   the namespace's root index '{ns}:#' (names the namespace; may equal KEYS[1])
    ARGV[1]   the ZSCAN cursor; '0' starts
    ARGV[2]   the ZSCAN COUNT hint
    ARGV[3]   '1' when the pattern ends with REST, else '0'
    ARGV[4..] the pattern's parts after the prefix, encoded; '' stands for ANY

  Output:
    { next cursor ('0' when the scan is complete), number of values removed }
]]
local rcall = redis.call
-- @include fixIndexExpiry
-- @include matchMember
-- @include eachIndexEntry
-- @include removals

local index = KEYS[1]
local page = rcall('ZSCAN', index, ARGV[1], 'COUNT', ARGV[2])
local rest, tail = readTail(3)
local base = string.sub(index, 1, -2)
local namespaceBase = string.sub(KEYS[2], 1, -2)

local batch = removals(namespaceBase)
local items = page[2]
for i = 1, #items, 2 do
  local member = items[i]
  if matchMember(member, rest, tail) then batch.add(base .. member) end
end
return { page[1], batch.flush() }
