#include "websocket/handshake.hpp"

#include "util/base64.hpp"
#include "util/strings.hpp"

#include <openssl/evp.h>

namespace senna::websocket {

namespace {

constexpr std::string_view key_guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

} // namespace

std::optional<std::string> accept_key(std::string_view client_key) {
    const std::string_view key = util::trim(client_key);
    // 16 bytes are 24 base64 characters, the last two "=" (lenient decoding accepts the padding
    // only where it completes the last quantum; 24 characters decoding to 16 bytes must end "==").
    std::string nonce;
    if (key.size() != 24 ||
        !util::base64_decode(key, util::base64_alphabet::standard, util::base64_mode::lenient,
                             nonce) ||
        nonce.size() != 16)
        return std::nullopt;
    std::string input;
    input.reserve(key.size() + key_guid.size());
    input += key;
    input += key_guid;
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_len = 0;
    if (EVP_Digest(input.data(), input.size(), digest, &digest_len, EVP_sha1(), nullptr) != 1)
        return std::nullopt;
    std::string accept;
    util::base64_encode(std::string_view(reinterpret_cast<const char*>(digest), digest_len),
                        util::base64_alphabet::standard, true, accept);
    return accept;
}

std::string switching_protocols(std::string_view accept, std::string_view extra_headers) {
    constexpr std::string_view head = "HTTP/1.1 101 Switching Protocols\r\n"
                                      "Upgrade: websocket\r\n"
                                      "Connection: Upgrade\r\n"
                                      "Sec-WebSocket-Accept: ";
    std::string out;
    out.reserve(head.size() + accept.size() + 2 + extra_headers.size() + 2);
    out += head;
    out += accept;
    out += "\r\n";
    out += extra_headers;
    out += "\r\n";
    return out;
}

} // namespace senna::websocket
