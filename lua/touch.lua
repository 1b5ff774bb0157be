#!lua
--[[
  Gives a live record a new expiry (touch; getAndTouch also answers its value): the value
  and its member in the index of every prefix of its key get the same new score, then each
  index gets the expiry of its longest-lived member (lua/includes/indexWrites.lua: read only
  when the record's expiry went down). A missing index member is added back, unless `checked`: under a maxmemory policy
  that evicts, a record missing from one of its indexes counts as gone (a deleteAll of that
  prefix could not find it), so it is removed whole instead, and never brought back.

  Input:
    KEYS[1]     the value key
    KEYS[2..]   the index keys of its prefixes of length 0 .. n-1, shortest first
    ARGV[1]     the new ttl in milliseconds; '0' for never expiring
    ARGV[2]     '1' to require every index to list the record (evicting policy), else '0'
    ARGV[3]     '1' to answer the record's value (getAndTouch), else '0'

  Output:
    1 (or its value) when the record was live and got its new expiry; 0 (or false) when
    there was no such record
]]
local rcall = redis.call
-- @include now
-- @include indexWrites
-- @include keyedRecord

local key = KEYS[1]
local withValue = ARGV[3] == '1'
-- What to answer: the value (false when absent), or 1 (0 when absent).
local answer, absent = 1, 0
if withValue then
  answer, absent = rcall('GET', key), false
  if not answer then return absent end
elseif rcall('EXISTS', key) == 0 then
  return absent
end
if ARGV[2] == '1' and not keyedListed(1, #KEYS - 1) then
  keyedRemove(1, #KEYS - 1)
  return absent
end

local at = now()
local ttl = tonumber(ARGV[1])
-- A listed member's score is its value's expiry (written together): the members go down
-- only when the value expired later than the new expiry (or never).
local was = rcall('PEXPIRETIME', key)
local lowered = ttl > 0 and (was == -1 or was > at + ttl)
local score = '+inf'
if ttl > 0 then
  score = string.format('%d', at + ttl)
  rcall('PEXPIREAT', key, score)
else
  rcall('PERSIST', key)
end

-- Each index: the member rescored (or added back, pruning the index as every write that
-- adds does), then its expiry settled once (indexWrites): PEXPIREAT ... GT when the
-- record's expiry went up, its top read only when it went down.
local writes = {}
local function wentDown() return lowered end
for i = 2, #KEYS do
  local index = KEYS[i]
  scoreIn(writes, index, string.sub(key, #index), score, at, wentDown)
end
settleIndexes(writes)
return answer
