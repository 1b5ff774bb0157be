-- Writes one record named in KEYS (its value key KEYS[k], then the index keys of its
-- prefixes KEYS[k+1] .. KEYS[k+n], shortest first): prunes each index it has not touched
-- yet in this run (a bounded number of expired members), adds the rest of the key to each
-- index scored with the record's expiry, and sets the value with that same expiry.
-- ttl in ms, 0 for never; at is the server's clock. Marks each index in touched; the caller
-- gives each touched index the expiry of its longest-lived member afterwards.
-- Needs prune.
local function writeRecord(k, n, text, ttl, at, touched)
  local key = KEYS[k]
  local score = '+inf'
  if ttl > 0 then score = at + ttl end
  for i = k + 1, k + n do
    local index = KEYS[i]
    if not touched[index] then
      touched[index] = true
      prune(index, at)
    end
    rcall('ZADD', index, score, string.sub(key, #index))
  end
  if ttl > 0 then
    rcall('SET', key, text, 'PXAT', score)
  else
    rcall('SET', key, text)
  end
end
