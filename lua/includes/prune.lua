-- Removes the expired members of an index, at most PRUNE_LIMIT of them (the lowest
-- scores), so that no call does unbounded work: the rest go in later calls. Members whose
-- score is below `at` (the server's clock in ms) are expired. PRUNE_LIMIT is
-- LIMITS.prunePerIndex in src/limits.ts (a test checks that they agree).
local PRUNE_LIMIT = 1000
local function prune(index, at)
  local dead = rcall('ZRANGE', index, '-inf', '(' .. at, 'BYSCORE', 'LIMIT', 0, PRUNE_LIMIT)
  if #dead > 0 then rcall('ZREMRANGEBYRANK', index, 0, #dead - 1) end
end
