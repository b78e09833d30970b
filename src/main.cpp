// senna: load the configuration, run the server, exit with its code.
#include "app/server.hpp"
#include "config/load.hpp"

#include <cstdio>
#include <exception>

int main(int argc, char** argv) {
    using namespace senna;
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
