-- Pattern matching on index members. A member is the encoded rest of a key after the
-- index's prefix: parts joined by ':', no part containing ':'.
-- readTail(i): ARGV[i] is '1' when the pattern ends with REST, ARGV[i+1..] are the pattern's
-- parts after the prefix, encoded, with '' standing for ANY.
local function readTail(first)
  local tail = {}
  for i = first + 1, #ARGV do tail[#tail + 1] = ARGV[i] end
  return ARGV[first] == '1', tail
end

-- Whether a member has exactly #tail parts (at least #tail + 1 with rest), each equal to
-- its tail part where that part is not ''.
local function matchMember(member, rest, tail)
  local n = #tail
  local count = 0
  local start = 1
  while true do
    local stop = string.find(member, ':', start, true)
    count = count + 1
    if count > n then return rest end
    local want = tail[count]
    if want ~= '' and string.sub(member, start, (stop or 0) - 1) ~= want then return false end
    if not stop then break end
    start = stop + 1
  end
  return count == n and not rest
end
