#!lua flags=allow-oom
--[[
  Checks one page of an index (verify): every live member must have its value, and on the
  first page, the index must expire exactly when its longest-lived member does (never, when
  that member never does): the store's writes keep it so, so an index that outlives its
  members, or dies before one of them, is reported. With repair,
  removes each record whose value is gone from every index of its prefixes (as delete
  does), prunes expired members (a bounded number), and corrects the index's expiry; each record atomically.

  Input:
    KEYS[1]   the index key
    KEYS[2]   the namespace's root index '{ns}:#' (names the namespace; may equal KEYS[1])
    ARGV[1]   the ZSCAN cursor; '0' starts (and checks the expiry)
    ARGV[2]   the ZSCAN COUNT hint
    ARGV[3]   '1' to repair, '0' to only report

  Output:
    { next cursor, expiry problem, member, member, ... }
    expiry problem: '' when none, else 'expires:<PEXPIRETIME>:longest:<top score>'
    members: live members of this index whose value is gone
]]
local rcall = redis.call
-- @include now
-- @include prune
-- @include fixIndexExpiry
-- @include removeRecord

local index = KEYS[1]
local base = string.sub(index, 1, -2)
local namespaceBase = string.sub(KEYS[2], 1, -2)
-- READONLY: true in the read-only variant (flags=no-writes: replicas run it; generated at build), which repairs nothing.
local READONLY = false
local repair = ARGV[3] == '1' and not READONLY
local at = now()

local expiry = ''
if ARGV[1] == '0' then
  local top = rcall('ZRANGE', index, -1, -1, 'WITHSCORES')
  if top[2] then
    local expireAt = rcall('PEXPIRETIME', index)
    local ok
    if top[2] == 'inf' then ok = expireAt == -1 else ok = expireAt == tonumber(top[2]) end
    if not ok then
      expiry = 'expires:' .. expireAt .. ':longest:' .. top[2]
      if repair then fixIndexExpiry(index) end
    end
  end
end

local page = rcall('ZSCAN', index, ARGV[1], 'COUNT', ARGV[2])
local out = { page[1], expiry }
local touched = {}
local items = page[2]
for i = 1, #items, 2 do
  local member = items[i]
  local score = items[i + 1]
  if (score == 'inf' or tonumber(score) >= at) and rcall('EXISTS', base .. member) == 0 then
    out[#out + 1] = member
    if repair then removeRecord(namespaceBase, base .. member, touched) end
  end
end
if repair then
  prune(index, at)
  for changed in pairs(touched) do fixIndexExpiry(changed) end
end
return out
