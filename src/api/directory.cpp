#include "api/directory.hpp"

#include "chat/profile_store.hpp"
#include "platform/client.hpp"

#include <boost/json/serialize.hpp>

namespace senna::api {

boost::json::object id_only(const chat::id& i, boost::json::storage_ptr sp) {
    boost::json::object o(1, std::move(sp));
    o.emplace("id", i.to_json());
    return o;
}

net::awaitable<std::vector<std::string>> directory::user_texts(std::vector<chat::id> ids) {
    auto users = co_await this->users(std::move(ids), {});
    std::vector<std::string> out;
    out.reserve(users.size());
    for (const auto& u : users)
        out.push_back(boost::json::serialize(u));
    co_return out;
}

net::awaitable<std::vector<std::string>> claims_directory::user_texts(std::vector<chat::id> ids) {
    co_return co_await store_.user_texts(ids);
}

net::awaitable<std::vector<boost::json::object>>
claims_directory::users(std::vector<chat::id> ids, boost::json::storage_ptr sp) {
    co_return co_await store_.users(ids, std::move(sp));
}

net::awaitable<std::vector<boost::json::object>>
claims_directory::topics(std::vector<chat::id> ids, boost::json::storage_ptr sp) {
    std::vector<boost::json::object> out;
    out.reserve(ids.size());
    for (const auto& i : ids)
        out.push_back(id_only(i, sp));
    co_return out;
}

void claims_directory::remember(const chat::id& user, const boost::json::object& claims) {
    store_.remember(user, claims);
}

namespace {
std::vector<std::string> texts(const std::vector<chat::id>& ids) {
    std::vector<std::string> out;
    out.reserve(ids.size());
    for (const auto& i : ids)
        out.push_back(i.text);
    return out;
}
} // namespace

net::awaitable<std::vector<boost::json::object>>
platform_directory::users(std::vector<chat::id> ids, boost::json::storage_ptr) {
    co_return co_await client_.users(texts(ids));
}

net::awaitable<std::vector<boost::json::object>>
platform_directory::topics(std::vector<chat::id> ids, boost::json::storage_ptr) {
    co_return co_await client_.topics(texts(ids));
}

} // namespace senna::api
