#pragma once
// The demo web client's files (and the Admin UI's) (web/demo/ and socket.io-client's browser
// bundle), embedded into the binary at build time by cmake/EmbedFiles.cmake; demo_routes.cpp serves
// them.

#include <string_view>
#include <vector>

namespace senna::api {

struct demo_asset {
    std::string_view name;  // "index.html", "app.js", ...: the path under /demo/
    std::string_view bytes; // the file's content
    std::string_view etag;  // a strong ETag, quoted: the file's SHA-256 (first 128 bits)
};

/** Every embedded file (defined in the generated demo_assets.cpp). */
const std::vector<demo_asset>& demo_assets();

/** The Socket.IO Admin UI's files (the generated admin_ui_assets.cpp; src/api/CMakeLists.txt):
    "index.html", "js/app.<hash>.js", "mdi/fonts/...", ... */
const std::vector<demo_asset>& admin_ui_assets();

} // namespace senna::api
