-- Removes one record found through an index: its value, and its member in the index of
-- every prefix of its key. base is the namespace's '{ns}:'; key is the value key.
-- Marks each index it changed in touched; returns 1 when a value was removed, else 0.
-- @include eachIndexEntry
local function removeRecord(base, key, touched)
  eachIndexEntry(base, key, function(index, member)
    rcall('ZREM', index, member)
    touched[index] = true
  end)
  return rcall('UNLINK', key)
end
