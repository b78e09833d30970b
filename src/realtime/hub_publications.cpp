// realtime::hub's side of a chat write (docs/adr/0014-unheard-publications.md, ADR 0015 §5): the
// event's Socket.IO frames and the adapter's publications prepared once before the write, with
// placeholders where the write's seq, rev and stream offset go; the write's script fills the
// publications in Redis, and deliver_prepared fills the frames for this instance's sockets (and,
// in sharded mode, SPUBLISHes them) after it. Also the plain deliveries that need no write.

#include "realtime/adapter_codec.hpp"
#include "realtime/hub.hpp"
#include "realtime/stream_codec.hpp"
#include "redis/connection.hpp"
#include "redis/request.hpp"
#include "util/log.hpp"
#include "util/time.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/json/parse.hpp>

#include <string>
#include <utility>
#include <vector>

namespace senna::realtime {

namespace json = boost::json;

namespace {
// Placeholders: integers no real seq or rev reaches (they are below 2^53), whose MessagePack
// form (0xcf, then 8 big-endian bytes) cannot occur inside the UTF-8 of a string either: 0xff
// is never a UTF-8 byte.
constexpr std::uint64_t placeholder_base = 0x7fff'ffff'ffff'ff00ULL;
// Every slot's placeholder (base + its character, below 0x100) has hub::placeholder_digits.
static_assert(placeholder_base >= 1'000'000'000'000'000'000ULL &&
              placeholder_base + 0xff <= 9'999'999'999'999'999'999ULL);
static_assert(hub::placeholder_digits == 19);
constexpr std::string_view placeholder_head = "\xcf\x7f\xff\xff\xff\xff\xff\xff";
} // namespace

json::value hub::placeholder(chat::slot s) {
    return json::value(static_cast<std::int64_t>(placeholder_base + static_cast<unsigned char>(s)));
}

namespace {

// Cuts msgpack bytes at each placeholder integer: the write puts its value there.
chat::holes cut_msgpack(const std::string& bytes) {
    chat::holes h;
    std::size_t from = 0;
    for (;;) {
        const auto at = bytes.find(placeholder_head, from);
        if (at == std::string::npos || at + placeholder_head.size() >= bytes.size())
            break;
        h.pieces.push_back(bytes.substr(from, at - from));
        h.slots.push_back(static_cast<chat::slot>(bytes[at + placeholder_head.size()]));
        from = at + placeholder_head.size() + 1;
    }
    h.pieces.push_back(bytes.substr(from));
    return h;
}

// Cuts JSON text at each placeholder integer outside strings (a string may hold the same
// digits): the write puts the number there in decimal. The text is append_json's, where a quote
// inside a string is always escaped: a quote is a string's edge unless an odd number of
// backslashes precedes it. Only the candidates (found with find) and the quotes before them are
// looked at, not every character.
chat::holes cut_json(std::string_view text) {
    static const std::string seq =
        std::to_string(placeholder_base + static_cast<unsigned char>('s'));
    static const std::string rev =
        std::to_string(placeholder_base + static_cast<unsigned char>('r'));
    static const std::string common = seq.substr(0, seq.size() - 3); // both start with it
    chat::holes h;
    std::size_t from = 0, quote = text.find('"'), at = text.find(common);
    bool in_string = false;
    while (at != std::string_view::npos) {
        for (; quote < at; quote = text.find('"', quote + 1)) {
            std::size_t backslashes = 0;
            while (backslashes < quote && text[quote - 1 - backslashes] == '\\')
                ++backslashes;
            if (backslashes % 2 == 0)
                in_string = !in_string;
        }
        std::size_t end = at;
        while (end < text.size() && text[end] >= '0' && text[end] <= '9')
            ++end;
        const std::string_view digits = text.substr(at, end - at);
        const bool starts = at == 0 || text[at - 1] < '0' || text[at - 1] > '9';
        if (!in_string && starts && (digits == seq || digits == rev)) {
            h.pieces.emplace_back(text.substr(from, at - from));
            h.slots.push_back(digits == seq ? chat::slot::seq_text : chat::slot::rev_text);
            from = end;
        }
        at = text.find(common, end);
    }
    h.pieces.emplace_back(text.substr(from));
    return h;
}

// What cut_json(text) gives when the placeholders are where `holes` say, `at` bytes on.
chat::holes cut_at(std::string_view text, std::size_t at,
                   const std::vector<text_event::hole>& holes) {
    chat::holes h;
    h.pieces.reserve(holes.size() + 1);
    std::size_t from = 0;
    for (const auto& hole : holes) {
        h.pieces.emplace_back(text.substr(from, at + hole.at - from));
        h.slots.push_back(hole.slot);
        from = at + hole.at + hub::placeholder_digits;
    }
    h.pieces.emplace_back(text.substr(from));
    return h;
}

// `inner` with `head` before and `tail` after, each piece written once at its final size.
chat::holes wrap(std::string_view head, const chat::holes& inner, std::string_view tail) {
    chat::holes h;
    h.slots = inner.slots;
    const std::size_t n = inner.pieces.size();
    h.pieces.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        const std::string& from = inner.pieces[i];
        std::string& to = h.pieces[i];
        const bool first = i == 0, last = i + 1 == n;
        to.reserve((first ? head.size() : 0) + from.size() + (last ? tail.size() : 0));
        if (first)
            to += head;
        to += from;
        if (last)
            to += tail;
    }
    return h;
}

std::string min_id(std::chrono::milliseconds retention) {
    const auto now = util::now_ms();
    const auto ms = now > retention.count() ? now - retention.count() : 0;
    return std::to_string(ms) + "-0";
}

} // namespace

chat::publication hub::publication_of(const std::string& room,
                                      const std::vector<std::string>& except,
                                      std::string_view event, const json::object* payload,
                                      const chat::holes& data_holes, bool publish,
                                      const std::string* log_min_id) const {
    chat::publication p;
    const std::span<const std::string> rooms(&room, 1);
    if (scripted() && !settings_.stream.empty()) {
        p.log = settings_.stream;
        p.log_min_id = log_min_id ? *log_min_id : min_id(settings_.retention);
        p.fields = entry_fields_;
        // The entry is the data array inside the adapter's envelope: its holes are the data's.
        p.entry = wrap(entry_head, data_holes, broadcast_entry_tail(rooms, except));
    } else {
        p.entry.pieces.emplace_back();
    }
    if (publishes_msgpack(!publish)) {
        p.channel = broadcast_channel(settings_.adapter_prefix, "/", room);
        if (settings_.offsets) {
            // The entry's id goes last in the data, and the flag says it is there.
            const json::value hole = placeholder(chat::slot::offset);
            json::object flags;
            flags[logged_flag] = true;
            p.bytes = cut_msgpack(encode_event_broadcast(settings_.instance_id, "/", event,
                                                         *payload, rooms, except, &hole, flags));
        } else {
            p.bytes = cut_msgpack(encode_publish(room, except, event, *payload));
        }
    } else {
        p.bytes.pieces.emplace_back();
    }
    return p;
}

hub::prepared_event hub::prepare(std::string_view event, std::span<const delivery> to,
                                 bool heard) const {
    return prepare_any(event, to, {}, heard);
}

hub::prepared_event hub::prepare_text(std::string_view event, const text_event& to,
                                      bool heard) const {
    return prepare_any(event, {}, &to, heard);
}

bool hub::takes_text(bool heard) const noexcept {
    return !publishes_msgpack(!heard && listens() && alone_.load());
}

hub::prepared_event hub::prepare_any(std::string_view event, std::span<const delivery> objects,
                                     const text_event* texts, bool heard) const {
    prepared_event out;
    if (heard)
        alone_.store(false); // until the next probe
    // Without PUBLISHes, a publication is its log entry alone, or nothing.
    const bool quiet = !heard && listens() && alone_.load();
    const bool logs = scripted() && !settings_.stream.empty();
    if (quiet)
        out.check = listener_check_;
    // Sharded mode: the SPUBLISH follows the write (deliver_prepared); only the log entry, if
    // any, is the write's (ADR 0015 §5).
    const bool publications =
        !settings_.adapter_prefix.empty() && (!quiet || logs) && (!sharded() || logs);
    std::vector<delivery> parsed;
    if (texts && publications && publishes_msgpack(quiet)) {
        for (const auto& r : texts->rooms)
            parsed.push_back({r.name, json::parse(texts->open + r.tail).as_object(), r.except});
        objects = parsed;
        texts = nullptr;
    }
    // Text: the rooms' frames share everything up to their tails, cut once. A tail holds no
    // placeholder, and `open` ends outside a string, after a whole value.
    chat::holes head;
    if (texts) {
        std::string data;
        data.reserve(8 + event.size() + texts->open.size());
        append_event_head(event, data);
        const std::size_t open_at = data.size();
        data += texts->open;
        head = texts->holes ? cut_at(data, open_at, *texts->holes) : cut_json(data);
    }
    // One trim id for the write's entries: their publications then say "=" for it.
    const std::string trim = publications && logs ? min_id(settings_.retention) : std::string();
    const std::size_t n = texts ? texts->rooms.size() : objects.size();
    for (std::size_t i = 0; i < n; ++i) {
        const delivery* o = texts ? nullptr : &objects[i];
        const std::string& room = o ? o->room : texts->rooms[i].name;
        const std::vector<std::string>& except = o ? o->except : texts->rooms[i].except;
        out.rooms.push_back(room);
        out.excepts.push_back(except);
        if (o) {
            out.frames.push_back(cut_json(event_array_json(event, o->payload)));
        } else {
            // The last room takes the shared frame; the others copy it.
            out.frames.push_back(i + 1 < n ? head : std::exchange(head, chat::holes{}));
            out.frames.back().pieces.back() += texts->rooms[i].tail;
            out.frames.back().pieces.back() += ']';
        }
        if (publications)
            out.publications.push_back(publication_of(room, except, event,
                                                      o ? &o->payload : nullptr, out.frames.back(),
                                                      !quiet, logs ? &trim : nullptr));
    }
    return out;
}

void hub::deliver_prepared(const prepared_event& e, std::uint64_t seq, std::uint64_t rev,
                           const std::vector<std::string>& offsets) const {
    const std::string seq_text = std::to_string(seq);
    const std::string rev_text = std::to_string(rev);
    const bool publishes = sharded() && !settings_.adapter_prefix.empty();
    for (std::size_t i = 0; i < e.frames.size(); ++i) {
        if (!publishes && !cluster_.may_reach(e.rooms[i]))
            continue; // nobody on this instance is in the room: nothing to write
        const auto& h = e.frames[i];
        std::string text = h.pieces[0];
        for (std::size_t k = 0; k < h.slots.size(); ++k) {
            text += h.slots[k] == chat::slot::rev_text ? rev_text : seq_text;
            text += h.pieces[k + 1];
        }
        const std::string_view offset =
            settings_.offsets && i < offsets.size() ? std::string_view(offsets[i]) : "";
        const auto& except = i < e.excepts.size() ? e.excepts[i] : std::vector<std::string>{};
        if (publishes)
            sharded_publish(e.rooms[i], except, text, offset);
        local_text(e.rooms[i], except, text, offset);
    }
}

void hub::deliver(std::string_view event, std::span<const delivery> to) const {
    for (const auto& d : to)
        emit(d.room, d.except, event, d.payload);
}

void hub::deliver_volatile(std::string_view event, std::span<const delivery> to) const {
    for (const auto& d : to) {
        // Volatile: never logged, no offset (socketio/recovery.hpp).
        if (settings_.mode == adapter_mode::redis_streams && !settings_.stream.empty() &&
            !shards_.empty()) {
            auto fields = broadcast_fields(settings_.instance_id, "/");
            fields.push_back(broadcast_entry_data(
                event, d.payload, std::span<const std::string>(&d.room, 1), d.except, true));
            net::asio::dispatch(shards_[0].executor, [this, fields = std::move(fields)] {
                if (!pub_ || stopping_.load())
                    return;
                redis::request r;
                std::vector<std::string> args{settings_.stream, "MINID", "~",
                                              min_id(settings_.retention), "*"};
                args.insert(args.end(), fields.begin(), fields.end());
                r.push_range("XADD", args);
                pub_->async_exec(r, [](net::error_code ec, const redis::replies&) {
                    if (ec)
                        log::warn("publish_failed", {{"error", ec.message()}});
                });
            });
        } else {
            publish(d.room, d.except, event, d.payload);
        }
        local(d.room, d.except, event, d.payload);
    }
}

} // namespace senna::realtime
