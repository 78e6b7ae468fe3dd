-- One canonical chatbot event per request, each with a unique id (so every one is a real insert).
local counter = 0
local threads = {}
-- thread_id is a global that setup() gives each wrk thread (a local here would shadow it: both threads
-- then sent the same ids, and half the events were re-deliveries).

function setup(thread)
  thread:set("thread_id", #threads + 1)
  table.insert(threads, thread)
end

-- With "random" as the second script argument, customer and session ids are drawn at random from 100,000
-- customers and 1,000,000 sessions, as real traffic's are (the benchmark's own count up, so that a commit's
-- index entries share pages: docs/BENCHMARKS.md, "Seventh session").
function init(args)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  run_id = args[1] or "run"
  random_ids = args[2] == "random"
  math.randomseed(os.time() * 1000 + thread_id)
end

local function customer_and_session(n)
  if random_ids then return math.random(0, 99999), math.random(0, 999999) end
  return n % 5000, n % 20000
end

function request()
  counter = counter + 1
  local customer, session = customer_and_session(counter)
  local body = string.format(
    '{"id":"%s-%d-%d","type":"message","customer_id":"c-%d","session_id":"s-%d","channel":"chatbot",' ..
    '"role":"user","text":"where is my order? it was supposed to arrive yesterday","intent":"order_status",' ..
    '"confidence":0.87}',
    run_id, thread_id, counter, customer, session)
  return wrk.format(nil, nil, nil, body)
end
