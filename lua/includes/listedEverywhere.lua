-- Whether every index of a prefix of a record's key lists it. Under a maxmemory policy that
-- evicts, Redis removes values and indexes independently; a record missing from one of its
-- indexes could be missed by a deleteAll of that prefix, so it counts as gone.
-- base is the namespace's (or bucket's) '{ns}:'; key is the record's value key; the index
-- `known` (may be nil) is not asked again.
-- @include eachIndexEntry
local function listedEverywhere(base, key, known)
  local listed = true
  eachIndexEntry(base, key, function(index, member)
    if listed and index ~= known and not rcall('ZSCORE', index, member) then listed = false end
  end)
  return listed
end
