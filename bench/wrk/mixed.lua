-- Request mix of the memory rounds of bench/run: every second request is
-- GET /respond/hostname, the others are GET /respond/{string} with a string
-- that no other request of the run uses, so a cache or a leak that grows
-- with distinct paths shows in the resident memory.
-- Prints the same BENCH line as summary.lua.

local next_thread_id = 0

function setup(thread)
  thread:set("thread_id", next_thread_id)
  next_thread_id = next_thread_id + 1
end

local counter = 0
local echo_prefix

-- The start time in seconds keeps the strings of consecutive wrk runs
-- apart, because each run lasts longer than a second.
function init(args)
  -- thread_id is set by setup() before the thread starts.
  echo_prefix = string.format("/respond/t%d-%d-", thread_id, os.time())
end

function request()
  counter = counter + 1
  if counter % 2 == 0 then
    return wrk.format("GET", "/respond/hostname")
  end
  return wrk.format("GET", echo_prefix .. counter)
end

function done(summary, latency, requests)
  io.write(string.format(
    "BENCH requests=%d duration_us=%d p50_us=%d p99_us=%d errors_connect=%d errors_read=%d errors_write=%d errors_status=%d errors_timeout=%d\n",
    summary.requests, summary.duration,
    latency:percentile(50.0), latency:percentile(99.0),
    summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout))
end
