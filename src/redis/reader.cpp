#include "redis/reader.hpp"

#include "redis/error.hpp"

#include <algorithm>
#include <hiredis/read.h>
#include <new>
#include <string>

namespace senna::redis {

// hiredis builds the reply tree through these callbacks. The root is the reader's own `root`
// (one reply reused, not one allocated per reply: a pipeline's replies are mostly roots); every
// child is appended to its parent's `elements`. hiredis creates children strictly in order and
// starts child i+1 only when child i is complete, so appending never moves an array that
// hiredis still points to (only completed siblings move). Arrays grow as elements arrive rather
// than to their announced size, so memory follows the bytes received, not a header's claim.
// hiredis only ever frees the root (redisReaderFree and its error path), so "freeing" is
// resetting `root`, which frees the children with it. Returning NULL makes hiredis fail with an OOM
// error, which we report as protocol_error after recording why. No exception may cross into C.
struct reader::state {
    reader_limits limits;
    redisReader* r = nullptr;
    bool failed = false;
    std::string error_text;
    reply root;

    static reply* slot(const redisReadTask* task) noexcept {
        if (task->parent == nullptr) {
            // Empty already (next() and free_object() leave it so); made sure of cheaply.
            reply* r = &self(task)->root;
            if (r->type != reply::kind::nil || !r->str.empty() || !r->elements.empty())
                *r = reply();
            return r;
        }
        auto* parent = static_cast<reply*>(task->parent->obj);
        if (parent == nullptr || task->idx < 0 ||
            static_cast<std::size_t>(task->idx) != parent->elements.size())
            return nullptr;
        try {
            return &parent->elements.emplace_back();
        } catch (...) {
            return nullptr;
        }
    }

    static state* self(const redisReadTask* task) noexcept {
        return static_cast<state*>(task->privdata);
    }

    static void* create_string(const redisReadTask* task, char* str, std::size_t len) {
        state* st = self(task);
        if (len > st->limits.max_bulk) {
            st->error_text = "bulk string over the limit";
            return nullptr;
        }
        reply* out = slot(task);
        if (out == nullptr)
            return nullptr;
        try {
            out->str.assign(str, len);
        } catch (...) {
            if (task->parent == nullptr)
                free_object(out);
            return nullptr;
        }
        out->type = task->type == REDIS_REPLY_ERROR    ? reply::kind::error
                    : task->type == REDIS_REPLY_STATUS ? reply::kind::status
                                                       : reply::kind::string;
        return out;
    }

    static void* create_array(const redisReadTask* task, int elements) {
        state* st = self(task);
        if (elements < 0 || static_cast<std::size_t>(elements) > st->limits.max_elements) {
            st->error_text = "array size out of range";
            return nullptr;
        }
        reply* out = slot(task);
        if (out == nullptr)
            return nullptr;
        try {
            out->elements.reserve(std::min<std::size_t>(static_cast<std::size_t>(elements), 1024));
        } catch (...) {
            if (task->parent == nullptr)
                free_object(out);
            return nullptr;
        }
        out->type = reply::kind::array;
        return out;
    }

    static void* create_integer(const redisReadTask* task, long long value) {
        reply* out = slot(task);
        if (out == nullptr)
            return nullptr;
        out->type = reply::kind::integer;
        out->integer = value;
        return out;
    }

    static void* create_nil(const redisReadTask* task) {
        reply* out = slot(task);
        if (out == nullptr)
            return nullptr;
        out->type = reply::kind::nil;
        return out;
    }

    // Only ever a root, which is `root`: emptied (its children freed), never deleted.
    static void free_object(void* p) noexcept { *static_cast<reply*>(p) = reply(); }

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

boost::system::result<std::optional<reply>> reader::next() {
    state& st = *state_;
    if (st.failed)
        return make_error_code(error::protocol_error);
    void* out = nullptr;
    if (redisReaderGetReply(st.r, &out) != REDIS_OK) {
        st.fail(st.r->errstr);
        return make_error_code(error::protocol_error);
    }
    if (out == nullptr) {
        // hiredis keeps an unfinished bulk string whole in its buffer, so what is left over is
        // at most one bulk plus its header; more than that means it is over the limit.
        if (buffered() > st.limits.max_bulk + 64) {
            st.fail("reply over the size limit");
            return make_error_code(error::protocol_error);
        }
        return std::optional<reply>();
    }
    std::optional<reply> done(std::move(*static_cast<reply*>(out)));
    state::free_object(out);
    return done;
}

void reader::reset() {
    state_->close();
    state_->root = reply();
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
