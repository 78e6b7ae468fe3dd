-- One Segment track call per request (POST /v1/track), each with a unique messageId: the single-event
-- baseline the webhook routes are compared with (issue 19).
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
  local body = string.format(
    '{"messageId":"%s-%d-%d","type":"track","userId":"c-%d","event":"Order Viewed",' ..
    '"properties":{"order_id":"o-%d","page":"/orders"},"context":{"channel":"web"},' ..
    '"timestamp":"2026-12-07T10:00:00.000Z"}',
    run_id, thread_id, counter, counter % 5000, counter)
  return wrk.format(nil, nil, nil, body)
end
