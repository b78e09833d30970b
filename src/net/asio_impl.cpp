// The one translation unit that compiles Asio (BOOST_ASIO_SEPARATE_COMPILATION): every other
// file only includes declarations, which keeps rebuilds short (docs/adr/0002-build.md).
#include <boost/asio/impl/src.hpp>
