#include "util/metrics.hpp"

#include <array>
#include <cstdio>

namespace senna::util::metrics {

void histogram::observe_us(std::uint64_t micros) noexcept {
    double secs = static_cast<double>(micros) / 1e6;
    std::size_t i = 0;
    while (i < bounds.size() && secs > bounds[i])
        ++i;
    buckets_[i].fetch_add(1, std::memory_order_relaxed);
    sum_us_.fetch_add(micros, std::memory_order_relaxed);
    count_.fetch_add(1, std::memory_order_relaxed);
}

void histogram::render(std::string& out, std::string_view name, std::string_view labels) const {
    std::uint64_t cumulative = 0;
    std::string bucket_name = std::string(name) + "_bucket";
    for (std::size_t i = 0; i <= bounds.size(); ++i) {
        cumulative += buckets_[i].load(std::memory_order_relaxed);
        char le[32];
        if (i < bounds.size())
            std::snprintf(le, sizeof le, "%g", bounds[i]);
        else
            std::snprintf(le, sizeof le, "+Inf");
        std::string l(labels);
        if (!l.empty())
            l += ',';
        l += "le=\"";
        l += le;
        l += '"';
        sample(out, bucket_name, l, cumulative);
    }
    char sum[48];
    std::snprintf(sum, sizeof sum, "%.6f",
                  static_cast<double>(sum_us_.load(std::memory_order_relaxed)) / 1e6);
    out += name;
    out += "_sum";
    if (!labels.empty()) {
        out += '{';
        out += labels;
        out += '}';
    }
    out += ' ';
    out += sum;
    out += '\n';
    sample(out, std::string(name) + "_count", labels, count_.load(std::memory_order_relaxed));
}

namespace {
struct refusal_label {
    refusal r;
    std::string_view surface;
    std::string_view reason;
};
constexpr std::array<refusal_label, static_cast<std::size_t>(refusal::count_)> refusal_labels{{
    {refusal::connection_limit, "connection", "max_connections"},
    {refusal::connection_limit_per_ip, "connection", "max_connections_per_ip"},
    {refusal::rest_invalid_token, "rest", "invalid_token"},
    {refusal::rest_token_revoked, "rest", "token_revoked"},
    {refusal::rest_user_banned, "rest", "user_banned"},
    {refusal::rest_user_muted, "rest", "user_muted"},
    {refusal::rest_rate_limited, "rest", "rate_limited"},
    {refusal::rest_header_too_large, "rest", "header_too_large"},
    {refusal::rest_body_too_large, "rest", "body_too_large"},
    {refusal::rest_admin_unauthorized, "rest", "admin_unauthorized"},
    {refusal::socket_invalid_token, "socket", "invalid_token"},
    {refusal::socket_token_revoked, "socket", "token_revoked"},
    {refusal::socket_user_banned, "socket", "user_banned"},
    {refusal::socket_session_rejected, "socket", "session_rejected"},
    {refusal::socket_too_many_sockets, "socket", "too_many_sockets"},
    {refusal::socket_rate_limited, "socket", "rate_limited"},
    {refusal::socket_events_rate_limited, "socket", "events_rate_limited"},
    {refusal::socket_flood, "socket", "flood_disconnected"},
    {refusal::socket_too_many_topics, "socket", "too_many_topics"},
    {refusal::socket_user_muted, "socket", "user_muted"},
    {refusal::socket_oversize, "socket", "oversize"},
    {refusal::socket_admin_credentials, "socket", "admin_credentials"},
}};
} // namespace

void refusals::render(std::string& out) const {
    header(out, "senna_refusals_total", "counter",
           "connections, requests and events refused, by surface and reason");
    for (const auto& l : refusal_labels) {
        std::string labels = "surface=\"";
        labels += l.surface;
        labels += "\",reason=\"";
        labels += l.reason;
        labels += '"';
        sample(out, "senna_refusals_total", labels, value(l.r));
    }
}

void header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
    out += "# HELP ";
    out += name;
    out += ' ';
    out += help;
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += type;
    out += '\n';
}

void sample(std::string& out, std::string_view name, std::string_view labels, std::uint64_t value) {
    out += name;
    if (!labels.empty()) {
        out += '{';
        out += labels;
        out += '}';
    }
    out += ' ';
    out += std::to_string(value);
    out += '\n';
}

std::string escape_label(std::string_view v) {
    std::string out;
    out.reserve(v.size());
    for (char c : v) {
        if (c == '\\' || c == '"') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

void counter_lines(std::string& out, std::string_view name, std::string_view help,
                   std::uint64_t value) {
    header(out, name, "counter", help);
    sample(out, name, "", value);
}

} // namespace senna::util::metrics
