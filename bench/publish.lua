-- wrk script: POST one CloudEvent per request with a unique id per thread.
local counter = 0
local tid = 0
function setup(thread)
  tid = tid + 1
  thread:set("tid", tid)
end
function init(args)
  key = os.getenv("SB_KEY")
  prefix = os.getenv("SB_RUN") .. "-" .. tostring(tid)
end
function request()
  counter = counter + 1
  local body = '{"specversion":"1.0","id":"' .. prefix .. "-" .. counter ..
    '","source":"/bench","type":"bench.publish","data":{"user":"u-1","amount":42}}'
  return wrk.format("POST", "/v1/events", {["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. key}, body)
end
