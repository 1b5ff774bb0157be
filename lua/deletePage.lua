#!lua flags=allow-oom
--[[
  Deletes one page of records that match a pattern, found in the index of the pattern's
  prefix: reads one ZSCAN page from the cursor and removes each matching record whole (its
  value and its member in the index of every prefix of its key), batched: one UNLINK and one
  ZREM per index for the page, then gives each index it changed the expiry of its
  longest-lived remaining member. A pattern that every member should match (the prefix then
  REST: clear; or the prefix then one ANY: a Keyv namespace's clear) is walked by rank
  instead: the index's lowest-ranked members, removed from it by rank (cursor 'r' while
  members remain), until a member does not match; then with ZSCAN (cursor 's' and ZSCAN's).
  Allowed under OOM: it only frees memory.

  Input:
    KEYS[1]   the index key of the pattern's prefix
    KEYS[2]   the namespace's root index '{ns}:#' (names the namespace; may equal KEYS[1])
    ARGV[1]   the cursor: '0' starts, 'r' continues by rank, 's<ZSCAN cursor>' with ZSCAN
    ARGV[2]   the page size (the ZSCAN COUNT hint)
    ARGV[3]   '1' when the pattern ends with REST, else '0'
    ARGV[4..] the pattern's parts after the prefix, encoded; '' stands for ANY

  Output:
    { next cursor ('0' when the walk is complete), number of values removed }
]]
local rcall = redis.call
-- @include matchMember
-- @include removals

local index = KEYS[1]
local rest, tail = readTail(3)
local base = string.sub(index, 1, -2)
local namespaceBase = string.sub(KEYS[2], 1, -2)
local cursor = ARGV[1]
local size = tonumber(ARGV[2])

-- By rank: every member is expected to match (everything under the prefix, or one part
-- after it), so the lowest-ranked members are taken and removed from this index by rank.
local byRank = cursor == 'r' or (cursor == '0' and ((rest and #tail == 0) or (not rest and #tail == 1 and tail[1] == '')))
if byRank then
  local members = rcall('ZRANGE', index, 0, size - 1)
  local matched = {}
  for i = 1, #members do
    if matchMember(members[i], rest, tail) then matched[#matched + 1] = base .. members[i] end
  end
  local all = #matched == #members
  -- When all matched, this index's members go by rank below, not one by one.
  local batch = removals(namespaceBase, all and index or nil)
  for i = 1, #matched do batch.add(matched[i]) end
  local removed = batch.flush()
  if not all then
    -- A member that does not match (a longer key under the prefix): the rest of the index
    -- is walked with ZSCAN.
    return { 's0', removed }
  end
  -- The lowest-scored members went: the rest (if any) keeps its top, and the index's
  -- expiry with it.
  if #members > 0 then rcall('ZREMRANGEBYRANK', index, 0, #members - 1) end
  if #members < size then return { '0', removed } end
  return { 'r', removed }
end

local page = rcall('ZSCAN', index, (string.gsub(cursor, '^s', '')), 'COUNT', size)
local batch = removals(namespaceBase)
local items = page[2]
for i = 1, #items, 2 do
  local member = items[i]
  if matchMember(member, rest, tail) then batch.add(base .. member) end
end
if page[1] == '0' then return { '0', batch.flush() } end
return { 's' .. page[1], batch.flush() }
