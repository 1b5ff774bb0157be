-- Removes the expired members of an index, at most PRUNE_LIMIT of them (the lowest
-- scores), so that no call does unbounded work: the rest go in later calls. Members whose
-- score is below `at` (the server's clock in ms) are expired. PRUNE_LIMIT is
-- LIMITS.prunePerIndex in src/limits.ts (a test checks that they agree).
--
-- Whether anything expired is asked first (ZCOUNT, an integer: the usual answer is 0 and
-- costs least); the expired members are read only when there are some.
local PRUNE_LIMIT = 1000
local function prune(index, at)
  local bound = '(' .. at
  if rcall('ZCOUNT', index, '-inf', bound) == 0 then return end
  local dead = rcall('ZRANGE', index, '-inf', bound, 'BYSCORE', 'LIMIT', 0, PRUNE_LIMIT)
  if #dead > 0 then rcall('ZREMRANGEBYRANK', index, 0, #dead - 1) end
end
