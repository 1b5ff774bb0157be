#!lua
--[[
  A hit of a rate limiter (redis-prefix-cache/rate-limit), or one taken back: adds ARGV[4]
  (1 or -1) to the client's counter, a record of the limiter's namespace holding
  '{"json":N}' (as the core's increment.lua writes it, so get() reads a number). A hit with
  no live counter, or one whose window ends now (PTTL 0), starts a window: the counter is
  written at 1 with the window's length as its ttl, and that expiry is kept by later hits
  (ARGV[2] '1': every hit starts the window again). A hit taken back never goes below 0 and
  starts nothing. Live is as reads see it: with ARGV[3] '1' (a server whose maxmemory policy
  evicts), a counter missing from its index counts as gone.

  Input:
    KEYS[1]     the counter's value key
    KEYS[2..]   the index keys of its prefixes, shortest first
    ARGV[1]     the window in milliseconds
    ARGV[2]     '1' to start the window again on every hit, else '0'
    ARGV[3]     '1' to require every index to list a live counter (evicting policy), else '0'
    ARGV[4]     '1' for a hit, '-1' to take one back

  Output:
    { hits, pttl }: the count after this call and the window's milliseconds left; { 0, -2 }
    when a hit was taken back from no counter. An error when the record holds something
    other than a counter.
]]
local rcall = redis.call
-- @include now
-- @include keyedRecord
-- @include writeRecord
-- @include indexWrites

local n = #KEYS - 1
local window = tonumber(ARGV[1])
local delta = tonumber(ARGV[4])
local text = rcall('GET', KEYS[1])
if text and ARGV[3] == '1' and not keyedListed(1, n) then
  keyedRemove(1, n)
  text = nil
end
local left = text and rcall('PTTL', KEYS[1])
if text and left ~= 0 then
  local count = tonumber(string.match(text, '^{"json":(%d+)}$'))
  if not count then return redis.error_reply('ERR the record is not a rate limiter counter') end
  count = count + delta
  if count < 0 then count = 0 end
  local counter = '{"json":' .. string.format('%d', count) .. '}'
  if delta > 0 and ARGV[2] == '1' then
    local writes = {}
    writeRecord(1, n, counter, window, now(), writes)
    settleIndexes(writes)
    return { count, window }
  end
  rcall('SET', KEYS[1], counter, 'KEEPTTL')
  return { count, left }
end
if delta < 0 then return { 0, -2 } end
local writes = {}
writeRecord(1, n, '{"json":1}', window, now(), writes)
settleIndexes(writes)
return { 1, window }
