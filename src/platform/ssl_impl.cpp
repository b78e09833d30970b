// The one translation unit that compiles Asio's SSL support (BOOST_ASIO_SEPARATE_COMPILATION, as
// net/asio_impl.cpp does for the rest of Asio): the https webhook URL (http_client.hpp).
#include <boost/asio/ssl/impl/src.hpp>
