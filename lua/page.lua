#!lua flags=allow-oom
--[[
  Reads one page of records that match a pattern, from the index of the pattern's prefix:
  prunes expired members (a bounded number), reads the members held over from the last
  page, then (while the page has room) one ZSCAN page from the cursor, and returns the
  members that match the rest of the pattern with their values (or, for keys(), without:
  only their existence is checked), at most `count` of them and stopping once the values
  pass `bytes`.

  Each ZSCAN cursor is scanned once: ZSCAN promises that a full iteration returns every
  member present from its start to its end only when every call continues from the cursor
  the last one returned; a cursor scanned twice, after members were removed (by anyone,
  this script's prune included) or the table resized, reaches other buckets and skips
  members for good. So a ZSCAN page is never cut and read again: when the page fills inside
  it, the matching members not yet read travel back in the reply (a ZSCAN page is bounded by
  its COUNT plus a bucket, or is a small set's listpack) and the next call reads them by
  name before it scans on. A held member whose value is gone (removed or expired
  meanwhile) is skipped.

  A matching member whose value is gone is removed with its record's other index entries.
  With `checked`, a record counts only when every index of its prefixes lists it (under an
  evicting maxmemory policy), and one that is not is removed whole. Allowed under OOM: it
  only frees memory, and reads must keep working. The read-only variant (flags=no-writes,
  for replicas) neither prunes nor removes: it only skips.

  Input:
    KEYS[1]   the index key of the pattern's prefix
    KEYS[2]   the namespace's root index '{ns}:#' (names the namespace; may equal KEYS[1])
    ARGV[1]   the ZSCAN cursor: '0' starts; '' once ZSCAN has returned cursor 0 (only held
              members are left)
    ARGV[2]   the most records to return (also the ZSCAN COUNT hint)
    ARGV[3]   bytes of values after which the page ends
    ARGV[4]   '1' to check every index of a record (evicting policy), else '0'
    ARGV[5]   '1' to return values, '0' for members only
    ARGV[6]   h, the number of held members that follow
    ARGV[7..6+h]  the held members (matching members of an earlier ZSCAN page not yet read)
    ARGV[7+h] '1' when the pattern ends with REST, else '0'
    ARGV[8+h..] the pattern's parts after the prefix, encoded; '' stands for ANY

  Output:
    { next cursor ('' once ZSCAN is done), h, held member * h, member, value, member, value, ... }
    (members only, without values, when ARGV[5] is '0')
    The listing is complete when the next cursor is '' and h is 0. Members are relative to
    the prefix. ZSCAN may return a member on two pages (the caller drops the repeat).
]]
local rcall = redis.call
-- @include now
-- @include prune
-- @include fixIndexExpiry
-- @include matchMember
-- @include removeRecord
-- @include listedEverywhere

-- READONLY: true in the read-only variant (flags=no-writes: replicas run it; generated at build), which repairs nothing.
local READONLY = false
local index = KEYS[1]
local cursor = ARGV[1]
local count = tonumber(ARGV[2])
local maxBytes = tonumber(ARGV[3])
local checked = ARGV[4] == '1'
local withValues = ARGV[5] == '1'
local held = tonumber(ARGV[6])
local rest, tail = readTail(7 + held)
local base = string.sub(index, 1, -2)
local namespaceBase = string.sub(KEYS[2], 1, -2)

if not READONLY then prune(index, now()) end

local found = {}
local returned, bytes = 0, 0
local left = {}
local touched = {}

-- Reads one matching member: adds it to the page when its record is live, else removes
-- what is left of the record. `known` is the index already known to list it (nil for a
-- held member, which this index may have lost since).
local function read(member, known)
  if returned >= count or bytes >= maxBytes then
    left[#left + 1] = member
    return
  end
  local key = base .. member
  local value
  if withValues then value = rcall('GET', key) else value = rcall('EXISTS', key) == 1 end
  if value and (not checked or listedEverywhere(namespaceBase, key, known)) then
    found[#found + 1] = member
    if withValues then
      found[#found + 1] = value
      bytes = bytes + #value
    end
    returned = returned + 1
  elseif (value or known) and not READONLY then
    -- Gone from the index's point of view: a value without its entries, or (found through
    -- the index) an entry without its value. A held member with neither is simply gone.
    removeRecord(namespaceBase, key, touched)
  end
end

for i = 7, 6 + held do read(ARGV[i], nil) end

local nextCursor = cursor
if cursor ~= '' and #left == 0 and returned < count and bytes < maxBytes then
  local page = rcall('ZSCAN', index, cursor, 'COUNT', count - returned)
  nextCursor = page[1] == '0' and '' or page[1]
  local items = page[2]
  for i = 1, #items, 2 do
    if matchMember(items[i], rest, tail) then read(items[i], index) end
  end
end

for changed in pairs(touched) do fixIndexExpiry(changed) end
local out = { nextCursor, #left }
for i = 1, #left do out[#out + 1] = left[i] end
for i = 1, #found do out[#out + 1] = found[i] end
return out
