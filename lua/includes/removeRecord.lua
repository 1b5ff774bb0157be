-- Removes one record found through an index: its value, and its member in the index of
-- every prefix of its key. base is the namespace's '{ns}:'; key is the value key.
-- Marks each index it changed in touched; returns 1 when a value was removed, else 0.
local function removeRecord(base, key, touched)
  local removed = rcall('UNLINK', key)
  local full = string.sub(key, #base + 1)
  local index = base .. '#'
  rcall('ZREM', index, full)
  touched[index] = true
  local pos = string.find(full, ':', 1, true)
  while pos do
    index = base .. string.sub(full, 1, pos) .. '#'
    rcall('ZREM', index, string.sub(full, pos + 1))
    touched[index] = true
    pos = string.find(full, ':', pos + 1, true)
  end
  return removed
end
