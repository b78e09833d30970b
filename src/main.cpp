// senna: load the configuration, run the server, exit with its code. `senna token ...` mints a
// token instead (app/token_command.hpp); `senna migrate ...` copies a seed-layout deployment
// into the cluster layout (app/migrate_command.hpp); `senna emit ...` publishes one event to a
// room through the deployment's Redis (app/emit_command.hpp).
#include "app/emit_command.hpp"
#include "app/migrate_command.hpp"
#include "app/server.hpp"
#include "app/token_command.hpp"
#include "config/load.hpp"

#include <cstdio>
#include <ctime>
#include <exception>
#include <string_view>

int main(int argc, char** argv) {
    using namespace senna;
    if (argc > 1 && std::string_view(argv[1]) == "token") {
        auto r = app::token_command({argv + 2, argv + argc}, config::process_env,
                                    static_cast<std::int64_t>(std::time(nullptr)));
        std::fputs(r.out.c_str(), stdout);
        std::fputs(r.err.c_str(), stderr);
        return r.status;
    }
    if (argc > 1 && std::string_view(argv[1]) == "migrate") {
        auto r = app::migrate_command({argv + 2, argv + argc}, config::process_env);
        std::fputs(r.out.c_str(), stdout);
        std::fputs(r.err.c_str(), stderr);
        return r.status;
    }
    if (argc > 1 && std::string_view(argv[1]) == "emit") {
        auto r = app::emit_command({argv + 2, argv + argc}, config::process_env);
        std::fputs(r.out.c_str(), stdout);
        std::fputs(r.err.c_str(), stderr);
        return r.status;
    }
    try {
        auto loaded = config::load({argv + 1, argv + argc}, config::process_env);
        if (loaded.show_help) {
            std::fputs(config::help_text().c_str(), stdout);
            return 0;
        }
        if (loaded.show_version) {
            std::puts("senna 0.1.0");
            return 0;
        }
        for (const auto& w : loaded.warnings)
            std::fprintf(stderr, "senna: warning: %s\n", w.c_str());
        return app::server(std::move(loaded.cfg)).run();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "senna: %s\n", e.what());
        return 1;
    }
}
