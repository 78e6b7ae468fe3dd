-- One canonical chatbot event per request, each with a unique id (so every one is a real insert).
local counter = 0
local threads = {}
-- thread_id is a global that setup() gives each wrk thread (a local here would shadow it: both threads
-- then sent the same ids, and half the events were re-deliveries).

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
    '{"id":"%s-%d-%d","type":"message","customer_id":"c-%d","session_id":"s-%d","channel":"chatbot",' ..
    '"role":"user","text":"where is my order? it was supposed to arrive yesterday","intent":"order_status",' ..
    '"confidence":0.87}',
    run_id, thread_id, counter, counter % 5000, counter % 20000)
  return wrk.format(nil, nil, nil, body)
end
