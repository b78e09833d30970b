#include "chat/keys.hpp"
#include "redis/slot.hpp"

#include <boost/json/serialize.hpp>

#include <gtest/gtest.h>

namespace chat = senna::chat;
namespace redis = senna::redis;

TEST(chat_keys, spec_section_4_layout) {
    chat::keys k("senna-sockets", "myplatform");
    auto me = *chat::id::parse("524376"), other = *chat::id::parse("388636");
    auto dm = k.dm(me, other);
    EXPECT_EQ(dm.state_key, "myplatform:dm:388636-524376");
    EXPECT_EQ(dm.list_key, "senna-sockets:messages:myplatform:dm:388636-524376");
    EXPECT_EQ(dm.data_key, "senna-sockets:messages:myplatform:dm:388636-524376:data");
    EXPECT_EQ(dm.inbox_member, "user-388636");
    EXPECT_EQ(k.dm(other, me).state_key, dm.state_key);
    auto t = k.topic(*chat::id::parse("general"));
    EXPECT_EQ(t.list_key, "senna-sockets:messages:myplatform:topic:general");
    EXPECT_EQ(t.inbox_member, "topic-general");
    EXPECT_EQ(k.inbox(me), "senna-sockets:messages:myplatform:inbox:524376");
    EXPECT_EQ(k.inbox_state_key(me), "myplatform:inbox:524376");
    EXPECT_EQ(k.activity(me), "senna-sockets:messages:myplatform:activity:524376");
}

// Every name the seed layout gives, byte for byte (docs/storage.md): the cluster layout must
// not move any of them.
TEST(chat_keys, seed_layout_names_every_key_as_before) {
    chat::keys k("P", "D");
    auto u = *chat::id::parse("7");
    EXPECT_EQ(k.key_layout(), chat::layout::seed);
    EXPECT_EQ(k.profile(u), "P:messages:D:profile:7");
    EXPECT_EQ(k.presence(u), "P:messages:D:presence:7");
    EXPECT_EQ(k.status(u), "P:messages:D:status:7");
    EXPECT_EQ(k.instance("i1"), "P:messages:D:instance:i1");
    EXPECT_EQ(k.instance_prefix() + "i1", k.instance("i1"));
    EXPECT_EQ(k.instance_users("i1"), "P:messages:D:instance:i1:users");
    EXPECT_EQ(k.instance_sessions("i1"), "P:messages:D:instance:i1:sessions");
    EXPECT_EQ(k.instances(), "P:messages:D:instances");
    EXPECT_EQ(k.presence_grace(), "P:messages:D:presence-grace");
    EXPECT_EQ(k.presence_channel(), "P:messages:D:presence");
    EXPECT_EQ(k.webhooks(), "P:messages:D:webhooks");
    EXPECT_EQ(k.webhooks_dead(), "P:messages:D:webhooks:dead");
    EXPECT_EQ(k.moderation_bans(), "P:messages:D:moderation:bans");
    EXPECT_EQ(k.moderation_revocations(), "P:messages:D:moderation:revocations");
    EXPECT_EQ(k.moderation_mutes(), "P:messages:D:moderation:mutes");
    EXPECT_EQ(k.moderation_version(), "P:messages:D:moderation:version");
    auto t = k.topic(*chat::id::parse("general"));
    EXPECT_EQ(t.seq_key(), "P:messages:D:topic:general:seq");
    EXPECT_EQ(t.members_key(), "P:messages:D:topic:general:members");
    EXPECT_EQ(k.list(chat::target::user, u, *chat::id::parse("3")), "P:messages:D:dm:3-7");
}

// The cluster layout (docs/adr/0012-cluster-key-layout.md): what one script writes shares a slot.
TEST(chat_keys, cluster_layout_puts_each_owners_keys_in_one_slot) {
    chat::keys k("P", "D", chat::layout::cluster);
    auto a = *chat::id::parse("7"), b = *chat::id::parse("3");
    auto dm = k.dm(a, b);
    EXPECT_EQ(dm.state_key, "D:dm:3-7"); // responses do not change
    EXPECT_EQ(dm.list_key, "P:messages:{D:dm:3-7}");
    EXPECT_EQ(dm.data_key, "P:messages:{D:dm:3-7}:data");
    EXPECT_EQ(k.list(chat::target::user, a, b), dm.list_key);
    const auto chat_slot = redis::key_slot(dm.list_key);
    for (const auto& key : {dm.data_key, dm.seq_key(), dm.rev_key(), dm.seqs_key(),
                            dm.authors_key(), dm.read_key(), dm.client_msg_key(a, "x")})
        EXPECT_EQ(redis::key_slot(key), chat_slot) << key;
    EXPECT_EQ(k.inbox(a), "P:messages:{D:user:7}:inbox");
    const auto user_slot = redis::key_slot(k.inbox(a));
    for (const auto& key : {k.activity(a), k.profile(a), k.presence(a), k.status(a)})
        EXPECT_EQ(redis::key_slot(key), user_slot) << key;
    EXPECT_NE(redis::key_slot(k.inbox(b)), user_slot);
    EXPECT_EQ(k.instances(), "P:messages:{D:instances}");
    for (const auto& key :
         {k.instance("i1"), k.instance_users("i1"), k.instance_sessions("i1"), k.presence_grace()})
        EXPECT_EQ(redis::key_slot(key), redis::key_slot(k.instances())) << key;
    EXPECT_EQ(k.instance_prefix() + "i1", k.instance("i1"));
    EXPECT_EQ(redis::key_slot(k.webhooks_dead()), redis::key_slot(k.webhooks()));
    for (const auto& key :
         {k.moderation_revocations(), k.moderation_mutes(), k.moderation_version()})
        EXPECT_EQ(redis::key_slot(key), redis::key_slot(k.moderation_bans())) << key;
    auto t = k.topic(*chat::id::parse("general"));
    EXPECT_EQ(t.members_key(), "P:messages:{D:topic:general}:members");
    EXPECT_EQ(redis::key_slot(t.members_key()), redis::key_slot(t.list_key));
    EXPECT_EQ(k.presence_channel(), "P:messages:D:presence");
}

// senna migrate's names: each seed key a migration copies, under its cluster name.
TEST(chat_keys, rename_maps_seed_keys_to_the_cluster_layout) {
    chat::keys seed("P", "D"), cluster("P", "D", chat::layout::cluster);
    auto u = *chat::id::parse("7"), o = *chat::id::parse("3");
    EXPECT_EQ(seed.rename("P:messages:D:dm:3-7", cluster), cluster.dm(u, o).list_key);
    EXPECT_EQ(seed.rename("P:messages:D:dm:3-7:data", cluster), cluster.dm(u, o).data_key);
    EXPECT_EQ(seed.rename("P:messages:D:dm:3-7:cmid:7:a-b", cluster),
              cluster.dm(u, o).client_msg_key(u, "a-b"));
    EXPECT_EQ(seed.rename("P:messages:D:topic:news:members", cluster),
              cluster.topic(*chat::id::parse("news")).members_key());
    EXPECT_EQ(seed.rename("P:messages:D:inbox:7", cluster), cluster.inbox(u));
    EXPECT_EQ(seed.rename("P:messages:D:status:7", cluster), cluster.status(u));
    EXPECT_EQ(seed.rename("P:messages:D:webhooks:dead", cluster), cluster.webhooks_dead());
    EXPECT_EQ(seed.rename("P:messages:D:moderation:mutes", cluster), cluster.moderation_mutes());
    for (const char* skipped :
         {"P:messages:D:presence:7", "P:messages:D:instance:i1", "P:messages:D:instances",
          "P:messages:D:presence-grace", "P:messages:E:inbox:7", "other", "P:messages:D:dm:"})
        EXPECT_EQ(seed.rename(skipped, cluster), std::nullopt) << skipped;
    EXPECT_EQ(cluster.rename(cluster.inbox(u), seed), std::nullopt); // from the seed layout only
}

// An id written as JSON text without making its value: what serialising to_json() writes.
TEST(chat_id, append_json_writes_what_serialising_to_json_does) {
    for (const char* text :
         {"42", "9007199254740991", "9007199254740992", "042", "0", "alice_01", "a-b", "Z"}) {
        const auto id = chat::id::parse(text);
        ASSERT_TRUE(id) << text;
        std::string out = "[";
        id->append_json(out);
        EXPECT_EQ(out, "[" + boost::json::serialize(id->to_json())) << text;
    }
    std::string out;
    chat::id::parse("42")->append_json(out);
    EXPECT_EQ(out, "42");
    out.clear();
    chat::id::parse("042")->append_json(out);
    EXPECT_EQ(out, "\"042\"");
}
