#!lua flags=allow-oom
--[[
  Deletes one record: its value and its member in the index of every prefix of its key,
  then gives each of those indexes the expiry of its longest-lived remaining member.
  Allowed under OOM: it only frees memory.

  Input:
    KEYS[1]     the value key
    KEYS[2..]   the index keys of its prefixes of length 0 .. n-1, shortest first

  Output:
    1 when a value was removed, 0 when there was none
]]
local rcall = redis.call
-- @include fixIndexExpiry
-- @include keyedRecord

return keyedRemove(1, #KEYS - 1)
