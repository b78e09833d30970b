#include "redis/reader.hpp"

#include "redis/error.hpp"

#include <cstring>
#include <hiredis/read.h>
#include <new>
#include <string>
#include <vector>

namespace senna::redis {

// hiredis builds each reply through these callbacks, node by node in pre-order (a parent
// before its elements, element i+1 only once element i is complete). They record it in
// `nodes` (one entry per node, growing as nodes arrive, so memory follows the bytes received,
// not an array header's claim) and copy its texts into `text`; both are reused from one reply
// to the next. When the reply is complete, `emit` lays it out in the caller's `replies` in one
// pass: one block of nodes (each array's elements contiguous, arrays given their block in
// pre-order) and one block of bytes. The object hiredis holds for a node is its index + 1 (never
// NULL, which hiredis takes as out of memory; we report that as protocol_error after recording
// why). hiredis only ever frees the root (redisReaderFree and its error path), so freeing is
// dropping the nodes recorded. No exception may cross into C.
struct reader::state {
    /** One node as hiredis announced it. */
    struct raw {
        reply::kind type = reply::kind::nil;
        long long integer = 0;
        std::size_t parent = 0; // its index + 1; 0 for the root
        std::size_t idx = 0;    // its place among its parent's elements
        std::size_t off = 0;    // text: offset in `text`; array: its elements' block (emit)
        std::size_t len = 0;    // text: its size; array: how many elements
    };

    reader_limits limits;
    redisReader* r = nullptr;
    bool failed = false;
    std::string error_text;
    std::vector<raw> nodes;
    std::string text;

    static state* self(const redisReadTask* task) noexcept {
        return static_cast<state*>(task->privdata);
    }

    static void* handle(std::size_t index) noexcept {
        return reinterpret_cast<void*>(index + 1); // NOLINT(performance-no-int-to-ptr)
    }

    /** Records a node of `type`; its object for hiredis, or nullptr. */
    static void* add(const redisReadTask* task, reply::kind type, long long integer,
                     std::size_t off, std::size_t len) noexcept {
        state* st = self(task);
        raw n;
        n.type = type;
        n.integer = integer;
        n.off = off;
        n.len = len;
        if (task->parent == nullptr) {
            st->nodes.clear(); // a reply left by an error (hiredis does not say whose)
        } else {
            const auto parent = reinterpret_cast<std::size_t>(task->parent->obj);
            if (parent == 0 || parent > st->nodes.size() || task->idx < 0 ||
                st->nodes[parent - 1].type != reply::kind::array ||
                static_cast<std::size_t>(task->idx) >= st->nodes[parent - 1].len)
                return nullptr;
            n.parent = parent;
            n.idx = static_cast<std::size_t>(task->idx);
        }
        try {
            st->nodes.push_back(n);
        } catch (...) {
            return nullptr;
        }
        return handle(st->nodes.size() - 1);
    }

    static void* create_string(const redisReadTask* task, char* str, std::size_t len) {
        state* st = self(task);
        if (len > st->limits.max_bulk) {
            st->error_text = "bulk string over the limit";
            return nullptr;
        }
        if (task->parent == nullptr)
            st->text.clear();
        const std::size_t off = st->text.size();
        try {
            st->text.append(str, len);
        } catch (...) {
            return nullptr;
        }
        const auto type = task->type == REDIS_REPLY_ERROR    ? reply::kind::error
                          : task->type == REDIS_REPLY_STATUS ? reply::kind::status
                                                             : reply::kind::string;
        return add(task, type, 0, off, len);
    }

    static void* create_array(const redisReadTask* task, int elements) {
        state* st = self(task);
        if (elements < 0 || static_cast<std::size_t>(elements) > st->limits.max_elements) {
            st->error_text = "array size out of range";
            return nullptr;
        }
        if (task->parent == nullptr)
            st->text.clear();
        return add(task, reply::kind::array, 0, 0, static_cast<std::size_t>(elements));
    }

    static void* create_integer(const redisReadTask* task, long long value) {
        if (task->parent == nullptr)
            self(task)->text.clear();
        return add(task, reply::kind::integer, value, 0, 0);
    }

    static void* create_nil(const redisReadTask* task) {
        if (task->parent == nullptr)
            self(task)->text.clear();
        return add(task, reply::kind::nil, 0, 0, 0);
    }

    // Only ever a root, after an error. hiredis passes no privdata here: the next root's
    // creation (add, and each create_* for `text`) drops what was recorded instead.
    static void free_object(void*) noexcept {}

    /** Appends the complete reply recorded in `nodes` to `out`; false if hiredis's calls did not
     *  make a whole tree (never seen: every array has exactly its announced elements). */
    bool emit(replies& out) {
        if (nodes.size() == 1 && nodes[0].type != reply::kind::array) {
            // Most replies: one node, no block of nodes.
            const raw& n = nodes[0];
            if (n.type == reply::kind::nil)
                out.push_root(reply::make_nil());
            else if (n.type == reply::kind::integer)
                out.push_root(reply::make_integer(n.integer));
            else {
                char* bytes = out.take_bytes(n.len);
                if (n.len != 0)
                    std::memcpy(bytes, text.data(), n.len);
                out.push_root(reply::make_text(n.type, std::string_view(bytes, n.len)));
            }
            nodes.clear();
            text.clear();
            return true;
        }
        const std::size_t total = nodes.size() - 1;
        reply* block = out.take_nodes(total);
        char* bytes = out.take_bytes(text.size());
        if (!text.empty())
            std::memcpy(bytes, text.data(), text.size());
        reply root;
        std::size_t next = 0; // the next free node of `block`
        for (raw& n : nodes) {
            reply& to = n.parent == 0 ? root : block[nodes[n.parent - 1].off + n.idx];
            switch (n.type) {
            case reply::kind::nil:
                to = reply::make_nil();
                break;
            case reply::kind::integer:
                to = reply::make_integer(n.integer);
                break;
            case reply::kind::array:
                // Pre-order: an array is met before its elements, so its block is known first.
                if (n.len > total - next)
                    return false;
                n.off = next;
                next += n.len;
                to = reply::make_array(std::span<const reply>(block + n.off, n.len));
                break;
            default:
                to = reply::make_text(n.type, std::string_view(bytes + n.off, n.len));
                break;
            }
        }
        if (next != total)
            return false;
        out.push_root(root);
        nodes.clear();
        text.clear();
        // A huge reply's scratch is not kept for the connection's life.
        if (text.capacity() > 64 * 1024)
            std::string().swap(text);
        if (nodes.capacity() > 4096)
            std::vector<raw>().swap(nodes);
        return true;
    }

    static redisReplyObjectFunctions functions;

    void open() {
        r = redisReaderCreateWithFunctions(&functions);
        if (r == nullptr) {
            failed = true;
            error_text = "out of memory";
            return;
        }
        r->privdata = this; // redisReaderSetPrivdata casts the pointer to int: C only
        // Keep up to 64 KiB of idle buffer instead of hiredis's 16 KiB: a busy pipeline reuses
        // it, and it is still small per connection.
        r->maxbuf = 64 * 1024;
        failed = false;
        error_text.clear();
    }

    void close() noexcept {
        if (r != nullptr)
            redisReaderFree(r);
        r = nullptr;
    }

    void fail(std::string_view why) {
        failed = true;
        if (error_text.empty())
            error_text = why;
    }
};

redisReplyObjectFunctions reader::state::functions = {
    &reader::state::create_string, &reader::state::create_array, &reader::state::create_integer,
    &reader::state::create_nil, &reader::state::free_object};

reader::reader(reader_limits limits) : state_(std::make_unique<state>()) {
    state_->limits = limits;
    state_->open();
}

reader::~reader() {
    if (state_)
        state_->close();
}

reader::reader(reader&&) noexcept = default;

reader& reader::operator=(reader&& other) noexcept {
    if (this != &other) {
        if (state_)
            state_->close();
        state_ = std::move(other.state_);
    }
    return *this;
}

void reader::feed(std::string_view bytes) {
    state& st = *state_;
    if (st.failed || bytes.empty())
        return;
    if (redisReaderFeed(st.r, bytes.data(), bytes.size()) != REDIS_OK)
        st.fail("cannot buffer input");
}

namespace {

// result<bool> is constructible from a bool and from an error_code alike: say which.
boost::system::result<bool> failed_result() {
    return {boost::system::in_place_error, make_error_code(error::protocol_error)};
}

} // namespace

boost::system::result<bool> reader::next(replies& out) {
    state& st = *state_;
    if (st.failed)
        return failed_result();
    void* got = nullptr;
    if (redisReaderGetReply(st.r, &got) != REDIS_OK) {
        st.fail(st.r->errstr);
        return failed_result();
    }
    if (got == nullptr) {
        // hiredis keeps an unfinished bulk string whole in its buffer, so what is left over is
        // at most one bulk plus its header; more than that means it is over the limit.
        if (buffered() > st.limits.max_bulk + 64) {
            st.fail("reply over the size limit");
            return failed_result();
        }
        return false;
    }
    try {
        if (!st.emit(out)) {
            st.fail("malformed reply tree");
            return failed_result();
        }
    } catch (...) {
        st.fail("out of memory");
        return failed_result();
    }
    return true;
}

void reader::reset() {
    state_->close();
    state_->nodes.clear();
    state_->text.clear();
    state_->open();
}

std::size_t reader::buffered() const noexcept {
    const redisReader* r = state_->r;
    return r == nullptr ? 0 : r->len - r->pos;
}

std::string_view reader::last_error() const noexcept {
    return state_->error_text;
}

} // namespace senna::redis
