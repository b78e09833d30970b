#include "socketio/binary.hpp"

#include "socketio/error.hpp"

#include <boost/json/object.hpp>

#include <cassert>
#include <cmath>
#include <utility>

namespace senna::socketio {

boost::json::value make_placeholder(std::size_t num) {
    return boost::json::object{{"_placeholder", true}, {"num", static_cast<std::uint64_t>(num)}};
}

bool is_placeholder(const boost::json::value& v) noexcept {
    const auto* object = v.if_object();
    if (object == nullptr)
        return false;
    const auto* flag = object->if_contains("_placeholder");
    return flag != nullptr && flag->is_bool() && flag->get_bool();
}

std::optional<std::size_t> placeholder_index(const boost::json::value& v,
                                             std::size_t count) noexcept {
    if (!is_placeholder(v))
        return std::nullopt;
    const auto* num = v.get_object().if_contains("num");
    if (num == nullptr)
        return std::nullopt;
    if (const auto* i = num->if_int64();
        i != nullptr && *i >= 0 && static_cast<std::uint64_t>(*i) < count)
        return static_cast<std::size_t>(*i);
    if (const auto* u = num->if_uint64(); u != nullptr && *u < count)
        return static_cast<std::size_t>(*u);
    if (const auto* d = num->if_double();
        d != nullptr && *d >= 0 && *d < static_cast<double>(count) && std::floor(*d) == *d)
        return static_cast<std::size_t>(*d);
    return std::nullopt;
}

bool placeholders_valid(const boost::json::value& data, std::size_t count) noexcept {
    if (is_placeholder(data)) // the reference replaces the whole object: no need to look inside
        return placeholder_index(data, count).has_value();
    if (const auto* array = data.if_array()) {
        for (const auto& element : *array)
            if (!placeholders_valid(element, count))
                return false;
    } else if (const auto* object = data.if_object()) {
        for (const auto& member : *object)
            if (!placeholders_valid(member.value(), count))
                return false;
    }
    return true;
}

void reconstructor::start(packet header) {
    assert(!busy() && is_binary(header.type) && header.pending_attachments > 0);
    header.attachments.reserve(header.pending_attachments);
    header_ = std::make_unique<packet>(std::move(header));
    bytes_ = 0;
}

boost::system::result<std::optional<packet>> reconstructor::feed(std::string_view bytes) {
    if (!header_)
        return error::unexpected_binary;
    if (bytes.size() > limits_.max_attachment_bytes - bytes_) {
        reset();
        return error::attachments_too_large;
    }
    bytes_ += bytes.size();
    header_->attachments.emplace_back(bytes);
    if (--header_->pending_attachments != 0)
        return std::optional<packet>();
    std::optional<packet> done(std::move(*header_));
    reset();
    return done;
}

void reconstructor::reset() noexcept {
    header_.reset();
    bytes_ = 0;
}

boost::system::result<std::optional<packet>> decoder::on_text(std::string_view text) {
    if (reconstructor_.busy()) {
        reconstructor_.reset();
        return error::unexpected_text;
    }
    auto p = decode(text, reconstructor_.bounds());
    if (!p)
        return p.error();
    if (p->pending_attachments == 0)
        return std::optional<packet>(std::move(*p));
    reconstructor_.start(std::move(*p));
    return std::optional<packet>();
}

boost::system::result<std::optional<packet>> decoder::on_binary(std::string_view bytes) {
    return reconstructor_.feed(bytes);
}

} // namespace senna::socketio
