-- The server's clock in epoch milliseconds: the only clock the store uses.
local function now()
  local t = rcall('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
