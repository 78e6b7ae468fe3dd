-- A Segment /v1/batch of 100 events per request (page views and chatbot-adjacent tracks), unique ids.
-- Ids count up per wrk thread, or with "uuid" as the second script argument are random UUIDs, as Segment's
-- SDKs send them (a random key costs the idempotency index a page write per event: docs/BENCHMARKS.md).
local counter = 0
local threads = {}

function setup(thread)
  thread:set("thread_id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  run_id = args[1] or "run"
  uuid_ids = args[2] == "uuid"
  math.randomseed(os.time() * 1000 + thread_id)
end

local function uuid()
  return string.format("%08x-%04x-4%03x-%04x-%06x%06x", math.random(0, 0x7fffffff), math.random(0, 0xffff),
    math.random(0, 0xfff), math.random(0x8000, 0xbfff), math.random(0, 0xffffff), math.random(0, 0xffffff))
end

local function message_id(n)
  if uuid_ids then return string.format("%s-%d-%s", run_id, thread_id, uuid()) end
  return string.format("%s-%d-%d", run_id, thread_id, n)
end

function request()
  counter = counter + 1
  local parts = {}
  for i = 1, 100 do
    local n = counter * 100 + i
    if i % 2 == 0 then
      parts[i] = string.format(
        '{"type":"page","messageId":"%s","anonymousId":"a-%d","name":"Pricing",' ..
        '"properties":{"url":"https://shop.example/pricing","title":"Pricing"},"timestamp":"2026-11-23T10:00:00Z"}',
        message_id(n), n % 9000)
    else
      parts[i] = string.format(
        '{"type":"track","messageId":"%s","userId":"u-%d","event":"Order Completed",' ..
        '"properties":{"total":42.5,"currency":"EUR"},"timestamp":"2026-11-23T10:00:00Z"}',
        message_id(n), n % 9000)
    end
  end
  return wrk.format(nil, nil, nil, '{"batch":[' .. table.concat(parts, ",") .. ']}')
end
