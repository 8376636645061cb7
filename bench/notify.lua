-- wrk script: POST one notification per request to one of the bench users
-- (SB_USERS, comma-separated ids), rotating.
local counter = 0
local tid = 0
function setup(thread)
  tid = tid + 1
  thread:set("tid", tid)
end
function init(args)
  key = os.getenv("SB_KEY")
  users = {}
  for u in string.gmatch(os.getenv("SB_USERS"), "[^,]+") do users[#users + 1] = u end
end
function request()
  counter = counter + 1
  local body = '{"user_id":"' .. users[(counter + tid) % #users + 1] ..
    '","type":"bench","data":{"n":' .. counter .. ',"amount":"42.00"}}'
  return wrk.format("POST", "/v1/notifications", {["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. key}, body)
end
