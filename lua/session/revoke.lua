#!lua
--[[
  Revokes a page of one user's sessions in one bucket (RedisSessionStore.revokeUser): for
  each session its user's set lists (and, for sessions written before the sets, its user's
  index of entry records), removes the session and its listing and writes its tombstone, as
  session/destroy.lua does. At most ARGV[5] members a call; the caller calls again while some
  remain. A member whose session is gone or now belongs to another user (a stale entry) is
  only taken off the listing.

  Input:
    KEYS[1]   the user's set of sessions in this bucket: '{ns}:[shard:]uid:<user>:#sid'
    KEYS[2]   the user's index of entry records in this bucket: '{ns}:[shard:]uid:<user>:#'
    ARGV[1]   the bucket's '{ns}:'
    ARGV[2]   the start of the bucket's keys before the record kind: '{ns}:[shard:]'
    ARGV[3]   the user, encoded as a key part
    ARGV[4]   the session id to keep, encoded, or '' for none
    ARGV[5]   how many members to visit at most
    ARGV[6]   a tombstone's shortest life in milliseconds

  Output:
    { sessions revoked, members left in the set and the index other than the one kept }
]]
local rcall = redis.call
-- @include now
-- @include fixIndexExpiry
-- @include session

local base, start, owner, keep = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local limit = tonumber(ARGV[5])
local minimum = tonumber(ARGV[6])
local at = now()
local touched = {}
local revoked = 0

-- One more than the limit from each, so that the kept session cannot take a place of the page.
for i, listing in ipairs(KEYS) do
  for _, sid in ipairs(rcall('ZRANGE', listing, 0, limit)) do
    if sid ~= keep and limit > 0 then
      limit = limit - 1
      -- A member of the index of entry records (i == 2) has its entry record removed whole
      -- even when its value is gone (a stale member, which would otherwise stay).
      revoked = revoked + revokeListed(base, start, owner, sid, at, minimum, touched, i == 2)
    end
  end
end

for changed in pairs(touched) do fixIndexExpiry(changed) end
local left = 0
for _, listing in ipairs(KEYS) do
  left = left + rcall('ZCARD', listing)
  if keep ~= '' and rcall('ZSCORE', listing, keep) then left = left - 1 end
end
return { revoked, left }
