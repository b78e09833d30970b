-- wrk script for bench/webhooks.sh: sends whose recipients have no socket (each a webhook
-- event when webhooks are on).
--   wrk ... -s bench/wrk/hooks.lua URL -- TOKENS_FILE dm|topic
-- dm: POST /api/user/{j} as user i, (i, j) random among the "id token" lines of TOKENS_FILE.
-- topic: POST /api/topic/hooks-bench as user i (the script's caller gives the topic members).
-- done() prints the WRKRESULT line of ../shared/bench/wrk/bench.lua.

local ids, tokens, mode = {}, {}, "dm"
local counter = 0

function init(args)
    for line in io.lines(args[1]) do
        local id, tok = line:match("^(%S+)%s+(%S+)$")
        if id then ids[#ids + 1] = id; tokens[#tokens + 1] = tok end
    end
    mode = args[2] or "dm"
    math.randomseed(tonumber((tostring({}):match("0x(%x+)") or "0"):sub(-7), 16) or os.time())
end

function request()
    local n = #ids
    local i = math.random(1, n)
    counter = counter + 1
    local body = '{"type":"text","text":"hooks bench message ' .. counter .. '"}'
    local path = "/api/topic/hooks-bench"
    if mode == "dm" then
        local j = math.random(1, n - 1)
        if j >= i then j = j + 1 end
        path = "/api/user/" .. ids[j]
    end
    return wrk.format("POST", path,
        { ["X-Auth-Token"] = tokens[i], ["Content-Type"] = "application/json" }, body)
end

function done(summary, latency, requests)
    local e = summary.errors
    io.write(string.format(
        "WRKRESULT requests=%d duration_us=%d bytes=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d mean_us=%.1f " ..
        "err_connect=%d err_read=%d err_write=%d err_status=%d err_timeout=%d\n",
        summary.requests, summary.duration, summary.bytes,
        latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
        e.connect, e.read, e.write, e.status, e.timeout))
end
