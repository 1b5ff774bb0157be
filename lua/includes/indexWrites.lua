-- Scores members in indexes and then gives each index the expiry of its longest-lived
-- member, in few calls: the expiry is settled once per index per run, from the highest
-- score written (PEXPIREAT ... GT), and only an index whose top may have gone down (a member
-- rescored lower) or that may be new (a member added, and no expiry) reads its top member.
--   local writes = {}
--   scoreIn(writes, index, member, score, at, lowers)   -- any number of times
--   settleIndexes(writes)                        -- once, at the end
-- score is a string: the expiry in epoch ms, or '+inf'; at is the server's clock; lowers()
-- answers whether a member already listed may have had a higher score (asked only when the
-- ZADD rescored a member). scoreIn answers true when it added the member (it was not listed). An index is pruned (a bounded number of expired members) the
-- first time a write in this run adds a member to it: an index grows only when a member is
-- added, and the page script prunes what writes leave.
-- @include prune
-- @include fixIndexExpiry
local function scoreIn(writes, index, member, score, at, lowers)
  local w = writes[index]
  if not w then
    w = { top = -1, topText = nil, lowered = false, adds = 0 }
    writes[index] = w
  end
  local added = rcall('ZADD', index, score, member) == 1
  if not added then
    if lowers() then w.lowered = true end
  else
    if w.adds == 0 then prune(index, at) end
    w.adds = w.adds + 1
  end
  local s = score == '+inf' and math.huge or tonumber(score)
  if s > w.top then
    w.top = s
    w.topText = score
  end
  return added
end

local function settleIndexes(writes)
  for index, w in pairs(writes) do
    if w.top == math.huge then
      rcall('PERSIST', index)
    elseif rcall('PEXPIREAT', index, w.topText, 'GT') == 0 then
      -- Not later than the index's expiry, or the index has none (new, or a member never
      -- expires): unchanged unless a member was rescored lower, or the index is new (only
      -- possible when this run added a member to it: one it only rescored existed before).
      if w.lowered then
        fixIndexExpiry(index)
      elseif w.adds > 0 then
        if rcall('ZCARD', index) == w.adds then
          -- Every member is one this run added (a new index): its top is the highest score written.
          rcall('PEXPIREAT', index, w.topText)
        elseif rcall('PEXPIRETIME', index) < 0 then
          fixIndexExpiry(index)
        end
      end
    end
  end
end
