-- Calls visit(index, member) for the entry a record has in the index of every prefix of its
-- key, shortest prefix first. base is the namespace's (or bucket's) '{ns}:'; key is the
-- record's value key.
local function eachIndexEntry(base, key, visit)
  local full = string.sub(key, #base + 1)
  visit(base .. '#', full)
  local pos = string.find(full, ':', 1, true)
  while pos do
    visit(base .. string.sub(full, 1, pos) .. '#', string.sub(full, pos + 1))
    pos = string.find(full, ':', pos + 1, true)
  end
end
