#!lua flags=no-writes
--[[
  Counts the live records under a prefix (count() of a pattern `[...prefix, REST]`): the
  members of the prefix's index whose score (their expiry) has not passed. One ZCOUNT, no
  values read: O(log n).

  Input:
    KEYS[1]   the index key of the prefix

  Output:
    the number of live members
]]
local rcall = redis.call
-- @include now

return rcall('ZCOUNT', KEYS[1], now(), '+inf')
