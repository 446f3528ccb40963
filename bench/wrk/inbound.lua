-- wrk script: every request is a Wavix inbound SMS webhook with a unique message_id (wrk alone repeats one body).
-- The id is <prefix>-t<thread>-c<conversation>-s<sequence>, so the PortSIP sink can check order per conversation.
--   wrk -t1 -c32 -d30s -s bench/wrk/inbound.lua http://127.0.0.1:PORT/webhooks/wavix/inbound/SECRET -- PREFIX CONVERSATIONS TEXT
-- done() prints one line, WRK_RESULT {json}, that bench/measure.ts parses (latencies in microseconds).

local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

local prefix, conversations, text, path
counter = 0 -- global: done() reads it through thread:get
local headers = { ["Content-Type"] = "application/json" }

function init(args)
  prefix = args[1] or "wrk"
  conversations = tonumber(args[2]) or 5000
  text = args[3] or "hello"
  path = wrk.path
end

function request()
  local conversation = counter % conversations
  local seq = math.floor(counter / conversations)
  counter = counter + 1
  local id = prefix .. "-t" .. tid .. "-c" .. conversation .. "-s" .. seq
  local from = string.format("4474%08d", tid * conversations + conversation)
  local body = '{"message_id":"' .. id .. '","message_type":"sms","from":"' .. from ..
    '","to":"14155550100","message_body":{"text":"' .. text .. '","media":null},"received_at":"2026-11-25T10:00:00Z"}'
  return wrk.format("POST", path, headers, body)
end

function done(summary, latency, requests)
  local generated = 0
  for _, thread in ipairs(threads) do generated = generated + (thread:get("counter") or 0) end
  local e = summary.errors
  io.write(string.format(
    'WRK_RESULT {"requests":%d,"generated":%d,"durationUs":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latencyUs":{"mean":%.1f,"max":%d,"p50":%d,"p90":%d,"p99":%d}}\n',
    summary.requests, generated, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency.max, latency:percentile(50), latency:percentile(90), latency:percentile(99)))
end
