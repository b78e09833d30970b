#pragma once
// Who users and topics are (SPEC §6): the platform's API when SOCK_API_URL is set, otherwise
// the claims of each user's latest token. Both answer one object per id, in order, and never
// fail: a look-up that cannot be made gives {"id": ID} (users without an API:
// {"id", "username": "user-<id>"}).

#include "chat/id.hpp"
#include "net/types.hpp"

#include <boost/json/object.hpp>

#include <string>
#include <vector>

namespace senna::chat {
class profile_store;
}
namespace senna::platform {
class client;
}

namespace senna::api {

class directory {
public:
    virtual ~directory() = default;
    /** `sp`: where the objects may live (a page's arena), so that the page takes them without
     *  a copy; an implementation may ignore it. */
    virtual net::awaitable<std::vector<boost::json::object>> users(std::vector<chat::id> ids,
                                                                   boost::json::storage_ptr sp) = 0;
    virtual net::awaitable<std::vector<boost::json::object>>
    topics(std::vector<chat::id> ids, boost::json::storage_ptr sp) = 0;
    /** What serialising each of users(ids) writes, in order: a page that is assembled as text
     *  takes the profiles as text (the claims' profiles as Redis keeps them, where that text is
     *  what the serializer would write again). */
    virtual net::awaitable<std::vector<std::string>> user_texts(std::vector<chat::id> ids);
    /** Called with every authenticated request's claims. */
    virtual void remember(const chat::id& user, const boost::json::object& claims) = 0;
};

/** Without SOCK_API_URL: profiles from token claims, stored in Redis. */
class claims_directory final : public directory {
public:
    explicit claims_directory(chat::profile_store& store) : store_(store) {}
    net::awaitable<std::vector<boost::json::object>> users(std::vector<chat::id> ids,
                                                           boost::json::storage_ptr sp) override;
    net::awaitable<std::vector<boost::json::object>> topics(std::vector<chat::id> ids,
                                                            boost::json::storage_ptr sp) override;
    net::awaitable<std::vector<std::string>> user_texts(std::vector<chat::id> ids) override;
    void remember(const chat::id& user, const boost::json::object& claims) override;

private:
    chat::profile_store& store_;
};

/** With SOCK_API_URL: the platform's v1/users and v1/topics (cached, batched, with fallbacks). */
class platform_directory final : public directory {
public:
    explicit platform_directory(platform::client& c) : client_(c) {}
    net::awaitable<std::vector<boost::json::object>> users(std::vector<chat::id> ids,
                                                           boost::json::storage_ptr sp) override;
    net::awaitable<std::vector<boost::json::object>> topics(std::vector<chat::id> ids,
                                                            boost::json::storage_ptr sp) override;
    void remember(const chat::id&, const boost::json::object&) override {}

private:
    platform::client& client_;
};

/** {"id": ID}: what a topic is without a platform, and any look-up that failed. */
boost::json::object id_only(const chat::id& i, boost::json::storage_ptr sp = {});

} // namespace senna::api
