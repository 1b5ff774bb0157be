#!lua
--[[
  A rate limiter's counter (redis-prefix-cache/rate-limit), read: its count and the window's
  milliseconds left. With ARGV[1] '1' (a server whose maxmemory policy evicts), a counter
  missing from one of its indexes counts as gone.

  Input:
    KEYS[1]     the counter's value key
    KEYS[2..]   the index keys of its prefixes, shortest first
    ARGV[1]     '1' to require every index to list the counter (evicting policy), else '0'

  Output:
    { text, pttl }: the stored counter and its milliseconds left; false when there is none
]]
local rcall = redis.call
-- @include keyedRecord
-- READONLY: true in the read-only variant (flags=no-writes: replicas run it; generated at build). It repairs nothing either way.
local READONLY = false

local text = rcall('GET', KEYS[1])
if not text then return false end
if ARGV[1] == '1' and not keyedListed(1, #KEYS - 1) then return false end
return { text, rcall('PTTL', KEYS[1]) }
