-- Prints one machine-readable line after a wrk run, for bench/run:
--   BENCH requests=N duration_us=N p50_us=N p99_us=N errors_connect=N ...
-- Latencies are wrk's own percentiles in microseconds, the same histogram
-- that `wrk --latency` prints.

function done(summary, latency, requests)
  io.write(string.format(
    "BENCH requests=%d duration_us=%d p50_us=%d p99_us=%d errors_connect=%d errors_read=%d errors_write=%d errors_status=%d errors_timeout=%d\n",
    summary.requests, summary.duration,
    latency:percentile(50.0), latency:percentile(99.0),
    summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout))
end
