# Warnings in one place; SENNA_WERROR (on in CI) turns them into errors.
add_library(senna_warnings INTERFACE)
target_compile_options(senna_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow
    # GCC 12 reports coroutine frames (Asio awaitable_frame::operator new/delete) as mismatched.
    -Wno-mismatched-new-delete)
if(SENNA_WERROR)
    target_compile_options(senna_warnings INTERFACE -Werror)
endif()

add_library(senna_sanitizers INTERFACE)
if(SENNA_SANITIZE)
    target_compile_options(senna_sanitizers INTERFACE
        -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
    target_link_options(senna_sanitizers INTERFACE -fsanitize=address,undefined)
endif()
