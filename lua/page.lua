#!lua flags=allow-oom
--[[
  Reads one page of records that match a pattern, from the index of the pattern's prefix:
  prunes expired members (a bounded number), reads one ZSCAN page from the cursor, and
  returns the members that match the rest of the pattern with their values (or, for keys(),
  without: only their existence is checked), at most `count` of them and stopping once the
  values pass `bytes`. A ZSCAN page can be far larger than
  its COUNT hint (a small sorted set is returned whole), so a page cut short resumes, on
  the next call, on the same ZSCAN cursor after the last member it examined, in member
  order. A matching member whose value is gone is removed with its record's other index
  entries. With `checked`, a record counts only when every index of its prefixes lists it
  (under an evicting maxmemory policy), and one that is not is removed whole. Allowed under
  OOM: it only frees memory, and reads must keep working.

  Input:
    KEYS[1]   the index key of the pattern's prefix
    KEYS[2]   the namespace's root index '{ns}:#' (names the namespace; may equal KEYS[1])
    ARGV[1]   the ZSCAN cursor; '0' starts
    ARGV[2]   the member of that ZSCAN page to resume after; '' for the page's start
    ARGV[3]   the most records to return (also the ZSCAN COUNT hint)
    ARGV[4]   bytes of values after which the page ends
    ARGV[5]   '1' to check every index of a record (evicting policy), else '0'
    ARGV[6]   '1' to return values, '0' for members only
    ARGV[7]   '1' when the pattern ends with REST, else '0'
    ARGV[8..] the pattern's parts after the prefix, encoded; '' stands for ANY

  Output:
    { next cursor, member to resume after ('' when the ZSCAN page is done), member, value, member, value, ... }
    (members only, without values, when ARGV[6] is '0')
    The listing is complete when the next cursor is '0' and the member to resume after is ''.
    Members are relative to the prefix. ZSCAN may return a member on two pages.
]]
local rcall = redis.call
-- @include now
-- @include prune
-- @include fixIndexExpiry
-- @include matchMember
-- @include removeRecord
-- @include listedEverywhere

local index = KEYS[1]
local cursor = ARGV[1]
local after = ARGV[2]
local count = tonumber(ARGV[3])
local maxBytes = tonumber(ARGV[4])
local checked = ARGV[5] == '1'
local withValues = ARGV[6] == '1'
local rest, tail = readTail(7)
local base = string.sub(index, 1, -2)
local namespaceBase = string.sub(KEYS[2], 1, -2)

prune(index, now())
local page = rcall('ZSCAN', index, cursor, 'COUNT', count)
local items = page[2]
local members = {}
for i = 1, #items, 2 do members[#members + 1] = items[i] end
table.sort(members)

local out = { page[1], '' }
local returned, bytes = 0, 0
local examined = after
local touched = {}
for _, member in ipairs(members) do
  if after == '' or member > after then
    if returned >= count or bytes >= maxBytes then
      out[1] = cursor
      out[2] = examined
      break
    end
    examined = member
    if matchMember(member, rest, tail) then
      local key = base .. member
      local value
      if withValues then value = rcall('GET', key) else value = rcall('EXISTS', key) == 1 end
      if value and (not checked or listedEverywhere(namespaceBase, key, index)) then
        out[#out + 1] = member
        if withValues then
          out[#out + 1] = value
          bytes = bytes + #value
        end
        returned = returned + 1
      else
        removeRecord(namespaceBase, key, touched)
      end
    end
  end
end
for changed in pairs(touched) do fixIndexExpiry(changed) end
return out
