-- Scores members in indexes and then gives each index the expiry of its longest-lived
-- member, in few calls: the expiry is settled once per index per run, from the highest
-- score written (PEXPIREAT ... GT), and only an index whose top may have gone down (a member
-- rescored lower, or the index new or never-expiring) reads its top member.
--   local writes = {}
--   scoreIn(writes, index, member, score, at, lowers)   -- any number of times
--   settleIndexes(writes)                        -- once, at the end
-- score is a string: the expiry in epoch ms, or '+inf'; at is the server's clock; lowers()
-- answers whether a member already listed may have had a higher score (asked only when the
-- ZADD rescored a member). An index
-- is pruned (a bounded number of expired members) the first time a write in this run adds a
-- member to it: an index grows only when a member is added, and the page script prunes
-- what writes leave. Needs prune and fixIndexExpiry.
local function scoreIn(writes, index, member, score, at, lowers)
  local w = writes[index]
  if not w then
    w = { top = -1, topText = nil, rescored = false, pruned = false }
    writes[index] = w
  end
  if rcall('ZADD', index, score, member) == 0 then
    if lowers() then w.rescored = true end
  elseif not w.pruned then
    w.pruned = true
    prune(index, at)
  end
  local s = score == '+inf' and math.huge or tonumber(score)
  if s > w.top then
    w.top = s
    w.topText = score
  end
end

local function settleIndexes(writes)
  for index, w in pairs(writes) do
    if w.top == math.huge then
      rcall('PERSIST', index)
    elseif rcall('PEXPIREAT', index, w.topText, 'GT') == 0 then
      -- Not later than the index's expiry, or the index has none (new, or a member never
      -- expires): unchanged unless a member was rescored lower or the index has no expiry yet.
      if w.rescored or rcall('PEXPIRETIME', index) < 0 then fixIndexExpiry(index) end
    end
  end
end
