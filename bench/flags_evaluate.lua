-- wrk script: POST /v1/flags/evaluate, one context and one flag per request
-- (the flexibleRollout with two constraints of bench/flags_set.json), a
-- different userId each time, admin-key auth.
local counter = 0
function init(args)
  key = os.getenv("SB_KEY")
end
function request()
  counter = counter + 1
  local body = '{"context":{"userId":"u-' .. counter ..
    '","properties":{"plan":"pro","version":"2.1.0"}},"flags":["rollout-two-constraints"]}'
  return wrk.format("POST", "/v1/flags/evaluate", {["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. key}, body)
end
