-- wrk script for the pixel benchmarks: GET /p/<id>.gif with ids read from
-- the file $BENCH_IDS, spread over the threads so that no two requests of a
-- run share an id while the file lasts. With $BENCH_IP_HEADER set, each
-- request also carries a distinct client address in that header (the
-- tracker runs with --trust-proxy-header), so the per-IP cap does not turn
-- unique opens into drops. done() prints one machine-readable RESULT line.

local ids = {}
local threads = tonumber(os.getenv("BENCH_THREADS") or "1")
local ip_header = os.getenv("BENCH_IP_HEADER")
if ip_header == "" then ip_header = nil end
local sent = 0
local next_thread = 0
-- Global, not local: setup() assigns it per thread with thread:set().
index = 0

function setup(thread)
  thread:set("index", next_thread)
  next_thread = next_thread + 1
end

function init(args)
  for line in io.lines(os.getenv("BENCH_IDS")) do
    ids[#ids + 1] = line
  end
end

function request()
  local n = index + sent * threads
  sent = sent + 1
  local headers = { ["User-Agent"] = "bench/1.0" }
  if ip_header then
    -- wrk runs LuaJIT (Lua 5.1): no bit operators.
    headers[ip_header] = string.format("10.%d.%d.%d",
                                       math.floor(n / 65536) % 256,
                                       math.floor(n / 256) % 256, n % 256)
  end
  return wrk.format("GET", "/p/" .. ids[(n % #ids) + 1] .. ".gif", headers)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d errors=%d\n",
    summary.requests, summary.duration, latency:percentile(50),
    latency:percentile(99),
    e.connect + e.read + e.write + e.status + e.timeout))
end
