-- A Segment /v1/batch of 100 events per request (page views and chatbot-adjacent tracks), unique ids.
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
end

function request()
  counter = counter + 1
  local parts = {}
  for i = 1, 100 do
    local n = counter * 100 + i
    if i % 2 == 0 then
      parts[i] = string.format(
        '{"type":"page","messageId":"%s-%d-%d","anonymousId":"a-%d","name":"Pricing",' ..
        '"properties":{"url":"https://shop.example/pricing","title":"Pricing"},"timestamp":"2026-11-23T10:00:00Z"}',
        run_id, thread_id, n, n % 9000)
    else
      parts[i] = string.format(
        '{"type":"track","messageId":"%s-%d-%d","userId":"u-%d","event":"Order Completed",' ..
        '"properties":{"total":42.5,"currency":"EUR"},"timestamp":"2026-11-23T10:00:00Z"}',
        run_id, thread_id, n, n % 9000)
    end
  end
  return wrk.format(nil, nil, nil, '{"batch":[' .. table.concat(parts, ",") .. ']}')
end
