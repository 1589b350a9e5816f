-- wrk script for bench/decisions.py, which fills in the $$names (Python's string.Template).
-- POST /api/v1/decisions: a random agent token (the first `busy` agents send `busy_share` of the
-- requests and reach their daily budget), a random customer (the first `hot` ones get `hot_share`
-- and reach per-customer caps), a random gesture and an amount: 85 % under the starter tier's green
-- limit, 10 % amber (with a justification), 5 % beyond stretch; 10 % in CAD or EUR; 3 % the
-- zero-cost gesture; a fresh Idempotency-Key per request. done() prints "BENCH …" lines.
local tokens = {$tokens}
local gestures = {$gestures}  -- limits in cents of the base currency
local zero_cost = "$zero_cost"
local busy, busy_share = $busy, 0.1
local customers, hot, hot_share = $customers, 20, 0.1
local run_id = "$run_id"
local reasons = {"billing_error", "service_outage", "delivery_delay", "product_defect", "loyalty", "other"}
local foreign = {{"CAD", 73}, {"EUR", 108}}  -- cents of the base currency per unit
local headers = {["Content-Type"] = "application/json", ["Accept-Language"] = "en"}
local threads = {}

thread_id = 0
sent = 0
counts = {}
sample = ""

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_id", #threads)
end

function init(args)
  math.randomseed(os.time() + thread_id * 7919)
end

local function pick_amount(g)
  -- cents in the base currency, then in the request's currency; true when it needs a justification
  local r, base = math.random()
  if r < 0.85 then base = math.random(100, g.green)
  elseif r < 0.95 then base = math.random(g.green + 1, g.stretch)
  else base = math.random(g.stretch + 1, 2 * g.stretch) end
  local currency, rate = "USD", 100
  if math.random() < 0.1 then
    local f = foreign[math.random(1, #foreign)]
    currency, rate = f[1], f[2]
  end
  local cents = math.max(1, math.floor(base * 100 / rate))
  return cents, currency, cents * rate / 100 > g.green
end

function request()
  sent = sent + 1
  local token
  if math.random() < busy_share then token = tokens[math.random(1, busy)]
  else token = tokens[math.random(busy + 1, #tokens)] end
  local customer
  if math.random() < hot_share then customer = math.random(1, hot)
  else customer = math.random(1, customers) end
  local code, cents, currency, justify = zero_cost, 0, "USD", false
  if math.random() >= 0.03 then
    local g = gestures[math.random(1, #gestures)]
    code = g.code
    cents, currency, justify = pick_amount(g)
  end
  local justification = ""
  if justify then justification = ',"justification":"Customer was let down twice this month"' end
  local body = string.format(
    '{"customer":"B-%06d","gesture":"%s","amount":"%d.%02d","currency":"%s","reason":"%s",' ..
    '"note":"Benchmark call","interaction_ref":"CALL-%d"%s}',
    customer, code, math.floor(cents / 100), cents % 100, currency, reasons[math.random(1, #reasons)],
    sent, justification)
  headers["Authorization"] = "Bearer " .. token
  headers["Idempotency-Key"] = run_id .. "-" .. thread_id .. "-" .. sent
  return wrk.format("POST", "/api/v1/decisions", headers, body)
end

function response(status, hdrs, body)
  counts[status] = (counts[status] or 0) + 1
  if status ~= 201 and sample == "" then sample = status .. " " .. string.sub(body, 1, 300) end
end

function done(summary, latency, requests)
  local statuses, total_sent = {}, 0
  for _, t in ipairs(threads) do
    total_sent = total_sent + t:get("sent")
    for status, n in pairs(t:get("counts")) do statuses[status] = (statuses[status] or 0) + n end
    local s = t:get("sample")
    if s ~= "" then io.write("BENCH sample ", s:gsub("\n", " "), "\n") end
  end
  for _, p in ipairs({50, 95, 99}) do io.write(string.format("BENCH p%d %d\n", p, latency:percentile(p))) end
  io.write(string.format("BENCH duration %d\nBENCH sent %d\n", summary.duration, total_sent))
  local e = summary.errors
  io.write(string.format("BENCH socket_errors %d\n", e.connect + e.read + e.write + e.timeout))
  for status, n in pairs(statuses) do io.write(string.format("BENCH status %d %d\n", status, n)) end
end
