#pragma once
// Random identifiers.

#include <string>

namespace senna::util {

/** A random RFC 4122 version 4 UUID, lower-case (message ids, as the seed's `uuid.v4()`).
 *  Thread-safe: each thread has its own generator seeded from std::random_device. */
std::string uuid_v4();

} // namespace senna::util
