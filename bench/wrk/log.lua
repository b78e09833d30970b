-- wrk script for bench/log.sh: sends with and without client_msg_id, from the same generator so
-- that the two differ only by the id; and for bench/webhooks.sh, sends to one topic.
--   wrk ... -s bench/wrk/log.lua URL -- TOKENS_FILE plain|cmid|topic
-- POST /api/user/{j} as user i, (i, j) random among the "id token" lines of TOKENS_FILE; with
-- cmid, each request carries a client_msg_id no other request uses; with topic, POST
-- /api/topic/hooks-bench as user i. done() prints the WRKRESULT line of
-- ../shared/bench/wrk/bench.lua.

local ids, tokens, with_cmid, to_topic = {}, {}, false, false
local counter, tag = 0, ""

function init(args)
    for line in io.lines(args[1]) do
        local id, tok = line:match("^(%S+)%s+(%S+)$")
        if id then ids[#ids + 1] = id; tokens[#tokens + 1] = tok end
    end
    with_cmid = args[2] == "cmid"
    to_topic = args[2] == "topic"
    -- A distinct tag per thread (its Lua state's table address), so ids never collide.
    tag = (tostring({}):match("0x(%x+)") or "0") .. os.time()
    math.randomseed(tonumber(tag:sub(-9), 16) or os.time())
end

function request()
    local n = #ids
    local i = math.random(1, n)
    local j = math.random(1, n - 1)
    if j >= i then j = j + 1 end
    counter = counter + 1
    local extra = with_cmid and (',"client_msg_id":"b' .. tag .. '-' .. counter .. '"') or ""
    local body = '{"type":"text","text":"log bench message ' .. counter .. '"' .. extra .. '}'
    local path = to_topic and "/api/topic/hooks-bench" or ("/api/user/" .. ids[j])
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
