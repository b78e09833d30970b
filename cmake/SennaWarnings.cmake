# Warnings in one place; SENNA_WERROR (on in CI) turns them into errors.
add_library(senna_warnings INTERFACE)
target_compile_options(senna_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow
    # GCC 12 reports coroutine frames (Asio awaitable_frame::operator new/delete) as mismatched.
    -Wno-mismatched-new-delete)
if(SENNA_WERROR)
    target_compile_options(senna_warnings INTERFACE -Werror)
endif()
if(SENNA_UNITY)
    # In a module compiled as one unit (SennaModule.cmake), a file's internal types look like a
    # header's to GCC (-Wsubobject-linkage): an artefact of the unity. -Wshadow stays: a file's
    # namespace-scope names (even in an anonymous namespace) are seen by the next file of the
    # unit, so a parameter of the same name there is reported; rename one of the two.
    target_compile_options(senna_warnings INTERFACE -Wno-subobject-linkage)
endif()

add_library(senna_sanitizers INTERFACE)
if(SENNA_SANITIZE)
    target_compile_options(senna_sanitizers INTERFACE
        -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
    target_link_options(senna_sanitizers INTERFACE -fsanitize=address,undefined)
endif()
if(SENNA_TSAN)
    if(SENNA_SANITIZE)
        message(FATAL_ERROR "SENNA_TSAN and SENNA_SANITIZE exclude each other")
    endif()
    # -Wno-tsan: Asio's handler recycling uses std::atomic_thread_fence, which TSan does not
    # model and GCC 12 warns about; senna's own code has no fences.
    target_compile_options(senna_sanitizers INTERFACE -fsanitize=thread -fno-omit-frame-pointer
        -Wno-tsan)
    target_link_options(senna_sanitizers INTERFACE -fsanitize=thread)
endif()
