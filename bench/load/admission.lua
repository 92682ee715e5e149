-- wrk script: replays a realistic AdmissionReview mix against coco-admit.
--
--   wrk -t2 -c64 -d30s -s bench/load/admission.lua https://127.0.0.1:9443 -- REQUESTS.tsv [options]
--
-- REQUESTS.tsv comes from bench_load_requests (one request per line:
-- class, path, expected allowed, body with request.uid "__UID__"). Every
-- request gets its own uid; every response is checked: HTTP 200, an
-- AdmissionReview, response.uid one we sent and not yet answered, and
-- `allowed` as coco-admit computed it when the mix was generated.
--
-- options (after the file, any order):
--   churn        send "Connection: close": a new TLS connection per request
--   rate=N connections=C
--                offered load of about N requests/s in total with wrk -cC
--                (wrk's delay(): after each response a connection waits an
--                exponentially distributed time of mean C/N s, so arrivals are
--                a Poisson process, not C connections firing in step)
--   max_bytes=N  leave out requests whose body is larger than N bytes (the
--                genpolicy-size pods), to see the latency of the others
--   nocheck      only check that the body is an AdmissionReview (the nginx
--                ceiling answers a fixed response)
--   mix=a:w,...  class weights (default below); classes absent from the file drop out
--
-- At the end one machine-readable line:
--   COCO_ADMIT_LOAD requests=.. rps=.. errors=.. check_failures=.. denied=.. p50_us=.. p90_us=.. p99_us=.. p999_us=.. ...

local default_mix = "coco-mutate:25,pod-validate:20,untouched:15,deployment:10,broken-initdata:10,update:10,delete:5,denied:3,other:2"

local threads = {}
local thread_id = 0

function setup(thread)
  thread_id = thread_id + 1
  thread:set("tid", thread_id)
  table.insert(threads, thread)
end

local items = {}        -- class -> list of {path, allowed, prefix, suffix}
local cursor = {}       -- class -> next index
local schedule = {}     -- weighted, shuffled list of classes
local pending = {}      -- uid -> expected allowed ("true"/"false"/"any")
local counter = 0
local slot = 0
local churn, nocheck = false, false
local delay_ms = 0
local headers = { ["Content-Type"] = "application/json" }

-- Counters read by done() through thread:get().
checked, failures, denied, first_failure = 0, 0, 0, ""

local function split_tabs(line)
  local out = {}
  local start = 1
  for _ = 1, 3 do
    local tab = line:find("\t", start, true)
    if not tab then return nil end
    out[#out + 1] = line:sub(start, tab - 1)
    start = tab + 1
  end
  out[#out + 1] = line:sub(start)
  return out
end

function init(args)
  local file = args[1]
  if not file then error("usage: -- REQUESTS.tsv [churn] [rate=N] [nocheck] [mix=class:w,...]") end
  local mix = default_mix
  local rate = 0
  local conns = 0
  local max_bytes = math.huge
  for i = 2, #args do
    local a = args[i]
    if a == "churn" then churn = true
    elseif a == "nocheck" then nocheck = true
    elseif a:sub(1, 5) == "rate=" then rate = tonumber(a:sub(6))
    elseif a:sub(1, 12) == "connections=" then conns = tonumber(a:sub(13))
    elseif a:sub(1, 4) == "mix=" then mix = a:sub(5)
    elseif a:sub(1, 10) == "max_bytes=" then
      max_bytes = tonumber(a:sub(11))
      if not max_bytes or max_bytes < 0 then error("max_bytes=N needs a number of bytes, got " .. a) end
    else error("unknown option " .. a) end
  end
  local f = assert(io.open(file, "r"))
  for line in f:lines() do
    local p = split_tabs(line)
    if p then
      local cls, path, allowed, body = p[1], p[2], p[3], p[4]
      local at = body:find("__UID__", 1, true)
      if at and #body <= max_bytes then
        items[cls] = items[cls] or {}
        table.insert(items[cls], { path = path, allowed = allowed, prefix = body:sub(1, at - 1), suffix = body:sub(at + 7) })
      end
    end
  end
  f:close()
  for entry in mix:gmatch("[^,]+") do
    local cls, w = entry:match("^([^:]+):(%d+)$")
    if cls and items[cls] then
      for _ = 1, tonumber(w) do table.insert(schedule, cls) end
      cursor[cls] = 0
    end
  end
  if #schedule == 0 then error("no requests of the mix classes in " .. file) end
  -- Deterministic shuffle (LCG) so classes interleave; threads start apart.
  local seed = 12345 + (tid or 0) * 7919
  for i = #schedule, 2, -1 do
    seed = (seed * 1103515245 + 12345) % 2147483648
    local j = seed % i + 1
    schedule[i], schedule[j] = schedule[j], schedule[i]
  end
  slot = (tid or 0) * 17
  if churn then headers["Connection"] = "close" end
  if rate and rate > 0 then
    -- Each connection waits a random time of mean connections/rate seconds
    -- between requests (wrk checks for delay() after init, so it is only
    -- defined in rate mode and closed-loop runs keep wrk's fast path). A fixed
    -- wait kept the connections in step: all of them sent within a few
    -- hundred microseconds, then none for the rest of the period, and the
    -- latency measured was that of bursts of C requests, not of the rate.
    -- Exponential waits make every connection a Poisson source. wrk
    -- truncates the wait to whole milliseconds; adding a uniform [0, 1) first
    -- keeps the mean exact (a fixed 2.95 ms wait was served as 2 ms). The
    -- seed is fixed so runs offer the same sequence.
    if conns <= 0 then error("rate=N needs connections=C (the -c given to wrk)") end
    delay_ms = 1000.0 * conns / rate
    math.randomseed(4242 + (tid or 0))
    _G.delay = function() return -delay_ms * math.log(1 - math.random()) + math.random() end
  end
end

function request()
  counter = counter + 1
  slot = slot % #schedule + 1
  local cls = schedule[slot]
  local list = items[cls]
  local i = cursor[cls] % #list + 1
  cursor[cls] = i
  local it = list[i]
  local uid = string.format("%08x-0000-4000-8000-%012x", tid or 0, counter)
  if not nocheck then pending[uid] = it.allowed end
  return wrk.format("POST", it.path, headers, it.prefix .. uid .. it.suffix)
end

local function fail(why)
  failures = failures + 1
  if first_failure == "" then first_failure = why end
end

function response(status, hdrs, body)
  checked = checked + 1
  if status ~= 200 then return fail("HTTP status " .. status) end
  if body:sub(1, 26) ~= '{"kind":"AdmissionReview",' or body:sub(-1) ~= "}" then
    return fail("not an AdmissionReview: " .. body:sub(1, 80))
  end
  local allowed = body:match('"allowed":(%a+)')
  if allowed ~= "true" and allowed ~= "false" then return fail("no response.allowed") end
  if allowed == "false" then denied = denied + 1 end
  if nocheck then return end
  local uid = body:match('"response":{"uid":"([^"]*)"')
  if not uid then return fail("no response.uid") end
  local want = pending[uid]
  if want == nil then return fail("response uid " .. uid .. " was not sent or was answered twice") end
  pending[uid] = nil
  if want ~= allowed then return fail("uid " .. uid .. ": allowed=" .. allowed .. ", expected " .. want) end
end

function done(summary, latency, requests)
  local c, fl, dn, first = 0, 0, 0, ""
  for _, t in ipairs(threads) do
    c = c + (t:get("checked") or 0)
    fl = fl + (t:get("failures") or 0)
    dn = dn + (t:get("denied") or 0)
    local ff = t:get("first_failure")
    if first == "" and ff and ff ~= "" then first = ff end
  end
  local e = summary.errors
  local secs = summary.duration / 1e6
  io.write(string.format(
    "COCO_ADMIT_LOAD requests=%d rps=%.1f seconds=%.2f checked=%d check_failures=%d denied=%d " ..
    "connect_errors=%d read_errors=%d write_errors=%d status_errors=%d timeouts=%d " ..
    "p50_us=%d p90_us=%d p99_us=%d p999_us=%d max_us=%d mean_us=%.1f\n",
    summary.requests, summary.requests / secs, secs, c, fl, dn,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9),
    latency.max, latency.mean))
  if first ~= "" then io.write("COCO_ADMIT_LOAD first_failure: " .. first .. "\n") end
end
