-- Removes many records found through indexes in a few commands: add(key) queues a record's
-- value key and its member in the index of every prefix of its key; flush() sends one UNLINK
-- per 500 value keys and one ZREM per index per 500 members, gives each index it changed the
-- expiry of its longest-lived remaining member, and returns how many values were removed.
-- base is the namespace's (or bucket's) '{ns}:'; the index `skip` (optional) is left to
-- the caller.
-- @include eachIndexEntry
-- @include fixIndexExpiry
local function removals(base, skip)
  local keys, members = {}, {}
  local batch = {}
  function batch.add(key)
    keys[#keys + 1] = key
    eachIndexEntry(base, key, function(index, member)
      if index == skip then return end
      local list = members[index]
      if not list then
        list = {}
        members[index] = list
      end
      list[#list + 1] = member
    end)
  end
  function batch.flush()
    local removed = 0
    for i = 1, #keys, 500 do
      removed = removed + rcall('UNLINK', unpack(keys, i, math.min(i + 499, #keys)))
    end
    for index, list in pairs(members) do
      for i = 1, #list, 500 do
        rcall('ZREM', index, unpack(list, i, math.min(i + 499, #list)))
      end
      fixIndexExpiry(index)
    end
    return removed
  end
  return batch
end
