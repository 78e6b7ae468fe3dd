-- One Dialogflow ES fulfillment webhook per request (about 1.2 KB, as the platform sends them), each with
-- a unique responseId and session, so every one is a real insert. With "hmac" as the second script
-- argument each request is signed as a source with {"type": "hmac-sha256", "secret": "bench-secret"}
-- expects (X-Hub-Signature-256: sha256=<hex>): the signing costs wrk some CPU, on the same cores.
local bit = require("bit")
local band, bor, bxor, bnot, rshift, ror = bit.band, bit.bor, bit.bxor, bit.bnot, bit.rshift, bit.ror
local counter = 0
local threads = {}

function setup(thread)
  thread:set("thread_id", #threads + 1)
  table.insert(threads, thread)
end

-- SHA-256 (FIPS 180-4). The constants were computed from the primes' roots, not copied.
local K = {
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
  0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
  0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
  0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
  0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2}
local H0 = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19}

local function tobytes32(x)
  return string.char(band(rshift(x, 24), 255), band(rshift(x, 16), 255), band(rshift(x, 8), 255), band(x, 255))
end

local function sha256(msg)
  local len = #msg
  msg = msg .. "\128" .. string.rep("\0", (55 - len) % 64) .. tobytes32(0) .. tobytes32(len * 8)
  local h = {H0[1], H0[2], H0[3], H0[4], H0[5], H0[6], H0[7], H0[8]}
  local w = {}
  for chunk = 1, #msg, 64 do
    for i = 0, 15 do
      local a, b, c, d = msg:byte(chunk + i * 4, chunk + i * 4 + 3)
      w[i] = bor(bit.lshift(a, 24), bit.lshift(b, 16), bit.lshift(c, 8), d)
    end
    for i = 16, 63 do
      local s0 = bxor(ror(w[i - 15], 7), ror(w[i - 15], 18), rshift(w[i - 15], 3))
      local s1 = bxor(ror(w[i - 2], 17), ror(w[i - 2], 19), rshift(w[i - 2], 10))
      w[i] = bit.tobit(w[i - 16] + s0 + w[i - 7] + s1)
    end
    local a, b, c, d, e, f, g, hh = h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8]
    for i = 0, 63 do
      local S1 = bxor(ror(e, 6), ror(e, 11), ror(e, 25))
      local ch = bxor(band(e, f), band(bnot(e), g))
      local t1 = bit.tobit(hh + S1 + ch + K[i + 1] + w[i])
      local S0 = bxor(ror(a, 2), ror(a, 13), ror(a, 22))
      local maj = bxor(band(a, b), band(a, c), band(b, c))
      local t2 = bit.tobit(S0 + maj)
      hh, g, f, e, d, c, b, a = g, f, e, bit.tobit(d + t1), c, b, a, bit.tobit(t1 + t2)
    end
    h[1], h[2], h[3], h[4] = bit.tobit(h[1] + a), bit.tobit(h[2] + b), bit.tobit(h[3] + c), bit.tobit(h[4] + d)
    h[5], h[6], h[7], h[8] = bit.tobit(h[5] + e), bit.tobit(h[6] + f), bit.tobit(h[7] + g), bit.tobit(h[8] + hh)
  end
  local out = {}
  for i = 1, 8 do out[i] = tobytes32(h[i]) end
  return table.concat(out)
end

local function hmac_sha256(key, msg)
  if #key > 64 then key = sha256(key) end
  key = key .. string.rep("\0", 64 - #key)
  local ipad, opad = {}, {}
  for i = 1, 64 do
    local k = key:byte(i)
    ipad[i] = string.char(bxor(k, 0x36))
    opad[i] = string.char(bxor(k, 0x5c))
  end
  return sha256(table.concat(opad) .. sha256(table.concat(ipad) .. msg))
end

local function hex(s)
  return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end))
end

local secret = "bench-secret"

function init(args)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  run_id = args[1] or "run"
  signed = args[2] == "hmac"
  -- A known answer (FIPS 180-2 example "abc"), so a broken signer fails loudly instead of measuring 401s.
  assert(hex(sha256("abc")) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
end

local template = [[
{"responseId":"%s-%d-%d","queryResult":{"queryText":"where is my order? it was supposed to arrive yesterday",
"parameters":{"order-number":""},"allRequiredParamsPresent":true,"fulfillmentText":"Let me check that for you.",
"fulfillmentMessages":[{"text":{"text":["Let me check that for you."]}}],"outputContexts":[{"name":
"projects/shop-support/agent/sessions/%s-%d/contexts/order-followup","lifespanCount":2,"parameters":
{"order-number":"","order-number.original":""}}],"intent":{"name":
"projects/shop-support/agent/intents/6f1c2d8e-5b0a-4b8e-9d37-0a1b2c3d4e5f","displayName":"order.status"},
"intentDetectionConfidence":0.87,"diagnosticInfo":{"webhook_latency_ms":12},"languageCode":"en",
"sentimentAnalysisResult":{"queryTextSentiment":{"score":-0.3,"magnitude":0.3}}},
"originalDetectIntentRequest":{"source":"DIALOGFLOW_CONSOLE","payload":{"data":{"sender":{"id":"%d"},
"recipient":{"id":"958823367603818"},"message":{"mid":"m-%s-%d","text":"where is my order?"}}}},
"session":"projects/shop-support/agent/sessions/%s-%d"}]]

function request()
  counter = counter + 1
  local session = counter % 20000
  local body = string.format(template, run_id, thread_id, counter, run_id, session, counter % 5000, run_id,
    counter, run_id, session)
  local headers = nil
  if signed then headers = {["X-Hub-Signature-256"] = "sha256=" .. hex(hmac_sha256(secret, body))} end
  return wrk.format(nil, nil, headers, body)
end
