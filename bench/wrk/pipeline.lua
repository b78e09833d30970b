-- wrk script: HTTP/1.1 pipelining. Each write sends DEPTH copies of one GET, back to back, and
-- wrk counts each answer as a request (issue 19: pipelined requests answered without a wake-up
-- each, and answers ready together written together).
--   wrk ... -s bench/wrk/pipeline.lua URL -- PATH TOKEN [DEPTH]   (DEPTH: 16 by default)
local batch

function init(args)
  local path, token, depth = args[1], args[2], tonumber(args[3] or "16")
  local headers = { ["Accept"] = "application/json" }
  if token and token ~= "" then headers["X-Auth-Token"] = token end
  local one = wrk.format("GET", path, headers)
  local all = {}
  for i = 1, depth do all[i] = one end
  batch = table.concat(all)
end

function request()
  return batch
end

-- The line bench/profile.sh reads (requests: answers received).
function done(summary, latency)
  local e = summary.errors
  io.write(string.format("WRKRESULT requests=%d duration_us=%d p99_us=%d err_read=%d err_status=%d err_timeout=%d\n",
    summary.requests, summary.duration, latency:percentile(99), e.read, e.status, e.timeout))
end
