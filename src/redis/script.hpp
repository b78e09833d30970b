#pragma once
// A Lua script and its SHA1, for EVALSHA. Build it once (at startup) and keep it alive as
// long as any evalsha that uses it.

#include <string>

namespace senna::redis {

class script {
public:
    explicit script(std::string body);

    const std::string& body() const noexcept { return body_; }
    /** Lowercase hex SHA1 of the body, as Redis computes it. */
    const std::string& sha1() const noexcept { return sha1_; }

private:
    std::string body_;
    std::string sha1_;
};

} // namespace senna::redis
