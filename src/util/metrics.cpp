#include "util/metrics.hpp"

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
