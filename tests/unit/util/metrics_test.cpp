#include "util/metrics.hpp"

#include <gtest/gtest.h>

namespace metrics = senna::util::metrics;

TEST(metrics, histogram_renders_cumulative_buckets) {
    metrics::histogram h;
    h.observe_us(50);       // <= 100 µs
    h.observe_us(2000);     // <= 2.5 ms
    h.observe_us(20000000); // +Inf
    std::string out;
    h.render(out, "lat", "route=\"/\"");
    EXPECT_NE(out.find("lat_bucket{route=\"/\",le=\"0.0001\"} 1\n"), std::string::npos) << out;
    EXPECT_NE(out.find("lat_bucket{route=\"/\",le=\"0.001\"} 1\n"), std::string::npos) << out;
    EXPECT_NE(out.find("lat_bucket{route=\"/\",le=\"0.0025\"} 2\n"), std::string::npos) << out;
    EXPECT_NE(out.find("lat_bucket{route=\"/\",le=\"10\"} 2\n"), std::string::npos) << out;
    EXPECT_NE(out.find("lat_bucket{route=\"/\",le=\"+Inf\"} 3\n"), std::string::npos) << out;
    EXPECT_NE(out.find("lat_sum{route=\"/\"} 20.002050\n"), std::string::npos) << out;
    EXPECT_NE(out.find("lat_count{route=\"/\"} 3\n"), std::string::npos) << out;
}

TEST(metrics, escape_label) {
    EXPECT_EQ(metrics::escape_label("a\"b\\c\n"), "a\\\"b\\\\c\\n");
}
