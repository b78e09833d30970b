#pragma once
// The helper each module uses to give its `enum class error` a Boost.System category
// (Beast's http/error.hpp pattern in a few lines). A module writes:
//
//   enum class error { bad_thing = 1 };
//   std::string_view describe(error e);             // found by ADL
//   const boost::system::error_category& error_category();
//   inline boost::system::error_code make_error_code(error e) { return {int(e), error_category()};
//   }
//
// and specialises boost::system::is_error_code_enum<error>.

#include <boost/system/error_code.hpp>

#include <string>
#include <string_view>

namespace senna::util {

template <class E> class enum_error_category final : public boost::system::error_category {
public:
    explicit enum_error_category(const char* name) noexcept : name_(name) {}
    const char* name() const noexcept override { return name_; }
    std::string message(int ev) const override { return std::string(describe(static_cast<E>(ev))); }

private:
    const char* name_;
};

} // namespace senna::util
