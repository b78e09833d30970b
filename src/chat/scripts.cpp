#include "chat/scripts.hpp"

#include <string>

namespace senna::chat::scripts {

namespace {

// No "#!lua" line: scripts without flags run on Redis before 7.0 too. Under maxmemory, Redis
// refuses a flagless script's first write command and nothing after it runs, so a write script
// is refused whole, never half-done; a script that only reads (view) runs while Redis is full.

// Shared by the scripts that need them (each script is sent whole; Redis caches it by SHA1).
constexpr std::string_view helpers = R"(
-- A seq in the fixed width that makes "<author>:<seq>" members sort by seq (2^53 has 16 digits).
local function pad(n) return string.format('%016d', n) end

-- The canonical text of a stored author (chat::id): numbers in plain digits, strings as they are.
local function author_text(v)
  if type(v) == 'number' then return string.format('%.0f', v) end
  if type(v) == 'string' and v ~= '' and not string.find(v, ':', 1, true) then return v end
  return nil
end

-- Messages by others after `cur`: all after it, minus the reader's own (O(log n), no scan).
local function unread(seqs, authors, user, cur)
  local all = redis.call('ZCOUNT', seqs, '(' .. string.format('%d', cur), '+inf')
  if all == 0 then return 0 end
  local own = redis.call('ZLEXCOUNT', authors, '[' .. user .. ':' .. pad(cur + 1),
                         '[' .. user .. ':9999999999999999')
  return all - own
end
)";

constexpr std::string_view write_helpers = R"(
-- A non-negative integer as MessagePack writes it in its shortest form (notepack; the
-- realtime encoder's put_uint).
local function mp(n)
  if n < 128 then return string.char(n) end
  if n < 256 then return string.char(204, n) end
  if n < 65536 then return string.char(205, math.floor(n / 256), n % 256) end
  local width, b = 4, {}
  if n >= 4294967296 then width = 8 end
  for i = width, 1, -1 do b[i] = n % 256; n = math.floor(n / 256) end
  return string.char(width == 4 and 206 or 207) .. string.char(unpack(b))
end

-- A str as MessagePack writes it (fixstr, str8: a log entry's id is at most 41 bytes).
local function mpstr(s)
  if #s < 32 then return string.char(160 + #s) .. s end
  return string.char(217, #s) .. s
end

-- ARGV[i] and the #slots pieces after it, joined with what each slot stands for: "s" seq and
-- "r" rev as MessagePack, "S" and "R" in decimal, "o" the log entry's id as a MessagePack str.
-- Returns the bytes and the index after the last piece.
local function fill(i, slots, vals)
  local parts = {ARGV[i]}
  for k = 1, #slots do
    local c = string.sub(slots, k, k)
    local v
    if c == 'o' then v = mpstr(vals.o)
    elseif c == 'S' or c == 'R' then v = string.format('%d', vals[string.lower(c)])
    else v = mp(vals[c]) end
    parts[#parts + 1] = v
    parts[#parts + 1] = ARGV[i + k]
  end
  return table.concat(parts), i + 1 + #slots
end

-- Whether a write may go without the PUBLISHes left out of its publications from ARGV[i] on
-- (chat/publication.hpp's listener_check): always when ARGV[i] is '' (nothing to check);
-- else while no one but the writer listens: no subscriber of every senna instance's channel
-- ARGV[i] but the writer's (ARGV[i + 1]: its own channel, subscribed in the same command) and
-- no @socket.io/redis-adapter (its request channel ARGV[i + 2]). Asked before anything is
-- written, so that a write refused ({2}) changed nothing.
local function unheard(i)
  if ARGV[i] == '' then return true end
  local n = redis.call('PUBSUB', 'NUMSUB', ARGV[i], ARGV[i + 1], ARGV[i + 2])
  return n[2] - n[4] <= 0 and n[6] == 0
end

-- The publications from ARGV[i] on (chat/publication.hpp): the listener check (three), a
-- count, then for each the index
-- of its log among KEYS (0: none), the id below which it may be trimmed, a field count and the
-- fields (or '' and '=': the previous publication's id and fields), the entry's slots and pieces,
-- the channel, its slots and pieces. Each appends its entry to the log (when it names one), then
-- PUBLISHes (when it names a channel). Returns the entries' ids ('' for none) and the index of
-- the ARGV after the publications.
local function publish(i, vals)
  local n = tonumber(ARGV[i + 3]); i = i + 4
  local ids = {}
  local min_id, fields = '', {}
  for _ = 1, n do
    local log = tonumber(ARGV[i])
    if ARGV[i + 2] == '=' then
      i = i + 3
    else
      local nf = tonumber(ARGV[i + 2])
      min_id, fields = ARGV[i + 1], {}
      for k = 1, nf do fields[k] = ARGV[i + 2 + k] end
      i = i + 3 + nf
    end
    local entry
    entry, i = fill(i + 1, ARGV[i], vals)
    local id = ''
    if log > 0 then
      fields[#fields + 1] = entry
      id = redis.call('XADD', KEYS[log], 'MINID', '~', min_id, '*', unpack(fields))
      fields[#fields] = nil
      vals.o = id
    end
    local channel = ARGV[i]
    local bytes
    bytes, i = fill(i + 2, ARGV[i + 1], vals)
    if channel ~= '' then redis.call('PUBLISH', channel, bytes) end
    ids[#ids + 1] = id
  end
  return ids, i
end

-- A reply followed by the log entries' ids.
local function with_ids(reply, ids)
  for _, id in ipairs(ids) do reply[#reply + 1] = id end
  return reply
end

-- The chat's head, kept in its read hash beside the cursors under fields no user id can be (an id
-- holds no ':'): the newest id, its seq and the list's length, written only while the list and
-- the log hold as many ids and the newest has a seq; else removed, so that the next inbox read
-- numbers the chat first. The inbox reads it with the reader's cursor in one HMGET (ADR 0017).
local function set_head(list, seqs, read)
  local n = redis.call('LLEN', list)
  local id = n > 0 and redis.call('LINDEX', list, -1)
  local seq = id and redis.call('ZSCORE', seqs, id)
  if seq and redis.call('ZCARD', seqs) == n then
    redis.call('HSET', read, ':id', id, ':seq', seq, ':len', n)
  else
    redis.call('HDEL', read, ':id', ':seq', ':len')
  end
end

-- Numbers what the seed wrote, which has no seq: each id of the list without one gets the next
-- numbers, in list order (oldest first). Ids numbered but gone from the list (deleted by the
-- seed) leave the log; ids in the list without data (not messages) leave the list. In a DM a
-- message the seed marked "seen" moves the other participant's read cursor to it. O(n), once
-- per chat. `check` says when it has nothing to do: 'all' (the default) while the list and the
-- log hold as many ids and the newest id has a seq; 'tail' (a send: two commands instead of
-- four) while the newest id has a seq, which a chat never numbered and a seed append both fail
-- (what the seed deleted is then dropped by the next read that compares the counts); 'force'
-- never (a reader met an id without a seq). An id listed twice keeps its first place.
local function adopt(list, data, seqk, seqs, authors, read, dm_a, dm_b, check)
  if check == 'tail' then
    local tail = redis.call('LINDEX', list, -1)
    if not tail or redis.call('ZSCORE', seqs, tail) then return 0 end
  elseif check ~= 'force' then
    local n = redis.call('LLEN', list)
    if n == redis.call('ZCARD', seqs) then
      if n == 0 or redis.call('ZSCORE', seqs, redis.call('LINDEX', list, -1)) then return 0 end
    end
  end
  local ids = redis.call('LRANGE', list, 0, -1)
  local last = tonumber(redis.call('GET', seqk) or '0')
  local listed, kept = {}, 0
  for _, id in ipairs(ids) do
    local raw = redis.call('HGET', data, id)
    if not raw then
      redis.call('LREM', list, 0, id)
    elseif listed[id] then
      redis.call('LREM', list, -1, id)
    else
      listed[id] = true
      kept = kept + 1
      if not redis.call('ZSCORE', seqs, id) then
        last = last + 1
        redis.call('ZADD', seqs, last, id)
        local ok, m = pcall(cjson.decode, raw)
        local a = ok and type(m) == 'table' and author_text(m.author) or nil
        if a then
          redis.call('ZADD', authors, 0, a .. ':' .. pad(last))
          if dm_a ~= '' and m.status == 'seen' and (a == dm_a or a == dm_b) then
            local reader = (a == dm_a) and dm_b or dm_a
            if last > tonumber(redis.call('HGET', read, reader) or '0') then
              redis.call('HSET', read, reader, last)
            end
          end
        end
      end
    end
  end
  redis.call('SET', seqk, last)
  if redis.call('ZCARD', seqs) > kept then
    local by_seq = {}
    for _, m in ipairs(redis.call('ZRANGE', authors, 0, -1)) do by_seq[string.sub(m, -16)] = m end
    local all = redis.call('ZRANGE', seqs, 0, -1, 'WITHSCORES')
    for i = 1, #all, 2 do
      if not listed[all[i]] then
        redis.call('ZREM', seqs, all[i])
        local m = by_seq[pad(tonumber(all[i + 1]))]
        if m then redis.call('ZREM', authors, m) end
      end
    end
  end
  set_head(list, seqs, read)
  return 1
end
)";

// The webhook events of a write (chat/notice.hpp), in their own ARGV section, the stream among
// the KEYS after the script's. Who is offline was read just before (service_detail.cpp).
constexpr std::string_view notice_helpers = R"(
-- XADDs one event per recipient with no live socket: from ARGV[i] on, a count n (0: none and
-- nothing else), then the index of the stream among KEYS, the event, its data JSON and the n
-- user ids.
local function notify(i, seq, rev)
  local n = tonumber(ARGV[i])
  if n == 0 then return end
  local k, event, data = tonumber(ARGV[i + 1]), ARGV[i + 2], ARGV[i + 3]
  for j = 1, n do
    if rev then
      redis.call('XADD', KEYS[k], '*', 'event', event, 'user', ARGV[i + 3 + j], 'data', data,
                 'seq', seq, 'rev', rev)
    else
      redis.call('XADD', KEYS[k], '*', 'event', event, 'user', ARGV[i + 3 + j], 'data', data,
                 'seq', seq)
    end
  end
end
)";

} // namespace

// KEYS: data, list, seq, rev, seqs, authors, read, [the client_msg_id record], [activity, my
//       inbox, [the other's inbox]], [the publications' logs], [notice keys]
// ARGV: has other inbox, has client_msg_id, id, JSON, ISO time, epoch ms, my inbox member,
//       the other's inbox member, author, record TTL s, DM pair (2), the index of activity
//       among KEYS (0: none, the cluster layout writes the users' keys after the chat's),
//       publications..., notice...
const std::string& send() {
    static const std::string body =
        std::string(helpers) + std::string(write_helpers) + std::string(notice_helpers) + R"(
if not unheard(14) then return {2} end
local has_other, has_cmid = ARGV[1] == '1', ARGV[2] == '1'
local cmid = has_cmid and KEYS[8]
local users = tonumber(ARGV[13])
if has_cmid then
  local prev = redis.call('GET', cmid)
  if prev then
    local at = string.find(prev, ':', 1, true)
    return {1, tonumber(string.sub(prev, 1, at - 1)), string.sub(prev, at + 1)}
  end
end
adopt(KEYS[2], KEYS[1], KEYS[3], KEYS[5], KEYS[6], KEYS[7], ARGV[11], ARGV[12], 'tail')
local seq = redis.call('INCR', KEYS[3])
redis.call('HSET', KEYS[1], ARGV[3], ARGV[4])
local len = redis.call('RPUSH', KEYS[2], ARGV[3])
redis.call('ZADD', KEYS[5], seq, ARGV[3])
redis.call('ZADD', KEYS[6], 0, ARGV[9] .. ':' .. pad(seq))
if redis.call('ZCARD', KEYS[5]) == len then
  redis.call('HSET', KEYS[7], ':id', ARGV[3], ':seq', seq, ':len', len)
else -- what the seed deleted is still in the log: the next inbox read numbers the chat
  redis.call('HDEL', KEYS[7], ':id', ':seq', ':len')
end
if users > 0 then
  redis.call('HSET', KEYS[users], 'last_active', ARGV[5])
  redis.call('ZADD', KEYS[users + 1], ARGV[6], ARGV[7])
  if has_other then redis.call('ZADD', KEYS[users + 2], ARGV[6], ARGV[8]) end
end
if has_cmid then redis.call('SET', cmid, seq .. ':' .. ARGV[4], 'EX', ARGV[10]) end
local ids, i = publish(14, {s = seq})
notify(i, seq)
return with_ids({0, seq, 0}, ids)
)";
    return body;
}

// KEYS: data, list, seq, rev, seqs, authors, read, [the publications' logs], [notice keys]
// ARGV: id, expected JSON, new JSON, DM pair (2), publications..., notice...
const std::string& edit() {
    static const std::string body =
        std::string(helpers) + std::string(write_helpers) + std::string(notice_helpers) + R"(
if not unheard(6) then return {2} end
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return {0} end
adopt(KEYS[2], KEYS[1], KEYS[3], KEYS[5], KEYS[6], KEYS[7], ARGV[4], ARGV[5])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
local seq = tonumber(redis.call('ZSCORE', KEYS[5], ARGV[1]) or '0')
local rev = redis.call('INCR', KEYS[4])
local ids, i = publish(6, {s = seq, r = rev})
notify(i, seq, rev)
return with_ids({1, seq, rev}, ids)
)";
    return body;
}

// KEYS: data, list, seq, rev, seqs, authors, read, [the publications' logs], [notice keys]
// ARGV: id, author, DM pair (2), publications..., notice...
const std::string& remove() {
    static const std::string body =
        std::string(helpers) + std::string(write_helpers) + std::string(notice_helpers) + R"(
if not unheard(5) then return {2} end
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return {0} end
adopt(KEYS[2], KEYS[1], KEYS[3], KEYS[5], KEYS[6], KEYS[7], ARGV[3], ARGV[4])
local seq = tonumber(redis.call('ZSCORE', KEYS[5], ARGV[1]) or '0')
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('LREM', KEYS[2], 0, ARGV[1])
if seq > 0 then
  redis.call('ZREM', KEYS[5], ARGV[1])
  redis.call('ZREM', KEYS[6], ARGV[2] .. ':' .. pad(seq))
end
set_head(KEYS[2], KEYS[5], KEYS[7])
local rev = redis.call('INCR', KEYS[4])
local ids, i = publish(5, {s = seq, r = rev})
notify(i, seq, rev)
return with_ids({1, seq, rev}, ids)
)";
    return body;
}

// KEYS: list, data, seq, seqs, authors, read
// ARGV: reader, the seq read up to ("" for all), DM pair (2)
const std::string& read() {
    static const std::string body = std::string(helpers) + std::string(write_helpers) + R"(
adopt(KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], ARGV[3], ARGV[4])
local last = tonumber(redis.call('GET', KEYS[3]) or '0')
local want = last
if ARGV[2] ~= '' then want = math.min(tonumber(ARGV[2]), last) end
local cur = tonumber(redis.call('HGET', KEYS[6], ARGV[1]) or '0')
local moved = 0
if want > cur then
  redis.call('HSET', KEYS[6], ARGV[1], want)
  cur, moved = want, 1
end
return {cur, unread(KEYS[4], KEYS[5], ARGV[1], cur), moved, last}
)";
    return body;
}

// KEYS: list, data, seq, seqs, authors, read
// ARGV: DM pair (2), "1" to check every id even when the counts agree
// Writes the chat's head even when there was nothing to number (a chat last written before the
// head existed).
const std::string& adopt() {
    static const std::string body = std::string(helpers) + std::string(write_helpers) + R"(
local did = adopt(KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], ARGV[1], ARGV[2],
                  ARGV[3] == '1' and 'force' or 'all')
if did == 0 then set_head(KEYS[1], KEYS[4], KEYS[6]) end
return did
)";
    return body;
}

// KEYS: the publications' logs. ARGV: publications
const std::string& fan_out() {
    static const std::string body = std::string(helpers) + std::string(write_helpers) + R"(
return (publish(1, {}))
)";
    return body;
}

// KEYS: the publications' logs. ARGV: seq, rev, publications
const std::string& publish_after() {
    static const std::string body = std::string(helpers) + std::string(write_helpers) + R"(
return (publish(3, {s = tonumber(ARGV[1]), r = tonumber(ARGV[2])}))
)";
    return body;
}

// KEYS: a topic's members. ARGV: the most members wanted.
const std::string& members() {
    static const std::string body = R"(
if redis.call('SCARD', KEYS[1]) > tonumber(ARGV[1]) then return false end
return redis.call('SMEMBERS', KEYS[1])
)";
    return body;
}

} // namespace senna::chat::scripts
