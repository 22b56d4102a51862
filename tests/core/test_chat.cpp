// test_chat.cpp - the chat model's contract (core/chat.h), without sockets.
// A fake sink records every event per recipient and a fake clock stands in
// for time, so who receives what, how often, in which order and with which
// seq can be checked exactly. Every delivery is also checked on arrival for
// what must hold of all events (seq order, terminated valid text, time).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <deque>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

extern "C" {
#include "core/chat.h"
#include "core/utf8.h"
}

namespace {

const std::string FFFD = "\xEF\xBF\xBD";
const std::string NIL = "<NULL>"; // no valid name or text holds '<'

std::string s_or_nil(const char *s) { return s ? std::string(s) : NIL; }

// One event as one recipient saw it.
struct Ev {
    chat_event_kind kind;
    uint64_t seq;
    int64_t time;
    bool replay;
    const chat_room *room;
    const chat_user *actor;
    const chat_user *target;
    std::string room_name, actor_name, target_name, old_name, reason, text;
    bool to_was_member; // the recipient was in ev->room when it arrived
};

struct Left {
    chat_user *user;
    chat_room *room;
    bool still_member;  // chat_membership(user, room) != NULL during the call
    size_t member_count;
};

struct Joined {
    chat_room *room;
    size_t events_seen; // how many events the joiner had been given by then
    bool op;            // the joiner's operator status at that moment
};

struct Session {
    std::string who;
    std::vector<Ev> evs;
    std::vector<Left> lefts;
    std::vector<Joined> joins;
};

Ev to_ev(const chat_event *ev)
{
    Ev e;
    e.kind = ev->kind;
    e.seq = ev->seq;
    e.time = ev->time;
    e.replay = ev->replay;
    e.room = ev->room;
    e.actor = ev->actor;
    e.target = ev->target;
    e.room_name = s_or_nil(ev->room_name);
    e.actor_name = s_or_nil(ev->actor_name);
    e.target_name = s_or_nil(ev->target_name);
    e.old_name = s_or_nil(ev->old_name);
    e.reason = s_or_nil(ev->reason);
    e.text = ev->text ? std::string(ev->text, ev->text_len) : NIL;
    e.to_was_member = false;
    return e;
}

// The fields that every recipient of one event must see alike.
std::string describe(const Ev &e)
{
    return std::to_string(e.kind) + "|" + std::to_string(e.seq) + "|" + e.room_name + "|" +
           e.actor_name + "|" + e.target_name + "|" + e.old_name + "|" + e.reason + "|" + e.text;
}

class ChatTest : public ::testing::Test {
protected:
    chat *c = nullptr;
    chat_config cfg;
    int64_t now = 1000;
    std::deque<Session> sessions; // users point at these: never moved
    std::vector<std::pair<int, std::string>> logs;
    std::vector<std::pair<uint64_t, std::string>> deliveries; // seq, recipient, in order
    Ev last{};
    bool have_last = false;
    chat_sink sink;
    chat_ops ops;

    void SetUp() override
    {
        chat_config_defaults(&cfg);
        sink.ctx = this;
        sink.deliver = on_deliver;
        sink.left_room = on_left;
        sink.joined_room = on_joined;
        ops.ctx = this;
        ops.now = on_now;
        ops.log = on_log;
        make();
    }
    void TearDown() override
    {
        chat_destroy(c);
        c = nullptr;
    }
    // (Re)create the model from cfg.
    void make()
    {
        chat_destroy(c);
        c = chat_create(&cfg, &ops);
        ASSERT_NE(c, nullptr);
    }

    static int64_t on_now(void *ctx) { return static_cast<ChatTest *>(ctx)->now; }
    static void on_log(void *ctx, int kind, const char *text)
    {
        static_cast<ChatTest *>(ctx)->logs.emplace_back(kind, text);
    }
    static void on_deliver(void *ctx, void *session, const chat_user *to, const chat_event *ev)
    {
        static_cast<ChatTest *>(ctx)->record(static_cast<Session *>(session), to, ev);
    }
    static void on_left(void *ctx, void *session, chat_user *user, chat_room *room)
    {
        (void)ctx;
        Session *s = static_cast<Session *>(session);
        EXPECT_EQ(chat_user_session(user), session);
        s->lefts.push_back(Left{user, room, chat_membership(user, room) != nullptr,
                                chat_room_member_count(room)});
    }

    static void on_joined(void *ctx, void *session, chat_user *user, chat_room *room)
    {
        (void)ctx;
        Session *s = static_cast<Session *>(session);
        EXPECT_EQ(chat_user_session(user), session);
        chat_member *m = chat_membership(user, room);
        EXPECT_NE(m, nullptr) << "joined_room comes after the membership is made";
        s->joins.push_back(Joined{room, s->evs.size(), m && chat_member_is_operator(m)});
    }

    // What holds for every delivered event.
    void record(Session *s, const chat_user *to, const chat_event *ev)
    {
        EXPECT_EQ(chat_user_session(to), s);
        EXPECT_FALSE(ev->replay) << "replays go to the callback, not the sink";
        EXPECT_EQ(ev->time, now) << "a live event happens now";
        EXPECT_NE(ev->text, nullptr);
        if (ev->text) {
            EXPECT_EQ(ev->text[ev->text_len], '\0') << "text NUL-terminated at text_len";
            EXPECT_EQ(std::strlen(ev->text), ev->text_len) << "sanitised text holds no NUL";
            EXPECT_TRUE(utf8_is_valid(ev->text, ev->text_len));
        }
        if (ev->room) {
            EXPECT_NE(ev->room_name, nullptr);
            if (ev->room_name) {
                EXPECT_STREQ(ev->room_name, chat_room_name(ev->room));
            }
        }
        if (ev->actor) {
            EXPECT_NE(ev->actor_name, nullptr);
            if (ev->actor_name) {
                EXPECT_STREQ(ev->actor_name, chat_user_name(ev->actor));
            }
        }
        if (ev->target) {
            EXPECT_NE(ev->target_name, nullptr);
            if (ev->target_name) {
                EXPECT_STREQ(ev->target_name, chat_user_name(ev->target));
            }
        }
        Ev e = to_ev(ev);
        e.to_was_member = ev->room && chat_membership(to, ev->room) != nullptr;
        // seq: one per event, strictly increasing from event to event; all
        // recipients of one event are served before the next event.
        if (have_last) {
            EXPECT_GE(e.seq, last.seq) << "seq went backwards";
            if (e.seq == last.seq) {
                EXPECT_EQ(describe(e), describe(last)) << "one seq, one event";
            }
        }
        EXPECT_TRUE(s->evs.empty() || s->evs.back().seq < e.seq)
            << s->who << " got seq " << e.seq << " twice or out of order";
        last = e;
        have_last = true;
        deliveries.emplace_back(e.seq, s->who);
        s->evs.push_back(e);
    }

    // ---- helpers --------------------------------------------------------

    chat_user *add(const std::string &name)
    {
        sessions.emplace_back();
        Session &s = sessions.back();
        s.who = name;
        chat_result err = CHAT_ERR_NO_MEMORY;
        chat_user *u = chat_user_add(c, name.data(), name.size(), &sink, &s, "127.0.0.1:1", &err);
        EXPECT_EQ(err, CHAT_OK) << name;
        EXPECT_NE(u, nullptr) << name;
        return u;
    }
    chat_result try_add(const std::string &name)
    {
        sessions.emplace_back();
        chat_result err = CHAT_OK;
        chat_user *u = chat_user_add(c, name.data(), name.size(), &sink, &sessions.back(), nullptr, &err);
        EXPECT_EQ(u == nullptr, err != CHAT_OK);
        return err;
    }
    static Session &S(const chat_user *u) { return *static_cast<Session *>(chat_user_session(u)); }
    static std::vector<Ev> &evs(const chat_user *u) { return S(u).evs; }
    static std::vector<Ev> kinds(const Session &s, chat_event_kind k)
    {
        std::vector<Ev> out;
        for (const Ev &e : s.evs)
            if (e.kind == k)
                out.push_back(e);
        return out;
    }
    static std::vector<Ev> kinds(const chat_user *u, chat_event_kind k) { return kinds(S(u), k); }

    chat_result try_join(chat_user *u, const std::string &room, chat_room **out = nullptr)
    {
        chat_room *r = reinterpret_cast<chat_room *>(1);
        chat_result res = chat_join(c, u, room.data(), room.size(), &r);
        if (res != CHAT_OK && res != CHAT_ERR_ALREADY_MEMBER) {
            EXPECT_EQ(r, nullptr) << "*out is NULL on failure";
        }
        if (out)
            *out = r;
        return res;
    }
    chat_room *join(chat_user *u, const std::string &room)
    {
        chat_room *r = nullptr;
        EXPECT_EQ(try_join(u, room, &r), CHAT_OK) << chat_user_name(u) << " joining " << room;
        EXPECT_NE(r, nullptr);
        return r;
    }
    void say(chat_user *u, chat_room *r, const std::string &text, bool action = false)
    {
        EXPECT_EQ(chat_say(c, u, r, text.data(), text.size(), action), CHAT_OK);
    }
    chat_result topic(chat_user *u, chat_room *r, const std::string &text)
    {
        return chat_set_topic(c, u, r, text.data(), text.size());
    }
    chat_result part(chat_user *u, chat_room *r, const std::string &text = "")
    {
        return chat_part(c, u, r, text.data(), text.size());
    }
    chat_result kick(chat_user *op, chat_room *r, chat_user *target, const std::string &reason = "")
    {
        return chat_kick(c, op, r, target, reason.data(), reason.size());
    }
    void quit(chat_user *u, const char *reason = "quit", const std::string &text = "")
    {
        chat_user_remove(c, u, reason, text.data(), text.size());
    }
    chat_room *find_room(const std::string &name) { return chat_find_room(c, name.data(), name.size()); }
    chat_user *find_user(const std::string &name) { return chat_find_user(c, name.data(), name.size()); }
    void clear()
    {
        for (Session &s : sessions) {
            s.evs.clear();
            s.lefts.clear();
        }
        deliveries.clear();
    }
    size_t total() const
    {
        size_t n = 0;
        for (const Session &s : sessions)
            n += s.evs.size();
        return n;
    }
    static std::vector<std::string> members(const chat_room *r)
    {
        std::vector<std::string> out;
        for (chat_member *m = chat_room_members(r); m; m = chat_member_next_in_room(m))
            out.push_back(chat_user_name(chat_member_user(m)));
        return out;
    }
    static std::vector<std::string> rooms_of(const chat_user *u)
    {
        std::vector<std::string> out;
        for (chat_member *m = chat_user_rooms(u); m; m = chat_member_next_of_user(m))
            out.push_back(chat_room_name(chat_member_room(m)));
        return out;
    }
    std::vector<std::string> all_rooms() const
    {
        std::vector<std::string> out;
        for (chat_room *r = chat_room_first(c); r; r = chat_room_next(r))
            out.push_back(chat_room_name(r));
        return out;
    }
    static void on_replay(void *arg, const chat_event *ev)
    {
        auto *out = static_cast<std::vector<Ev> *>(arg);
        EXPECT_NE(ev->text, nullptr);
        if (ev->text) {
            EXPECT_EQ(ev->text[ev->text_len], '\0');
        }
        EXPECT_NE(ev->actor_name, nullptr);
        out->push_back(to_ev(ev));
    }
    std::vector<Ev> replay(chat_room *r)
    {
        std::vector<Ev> out;
        chat_replay_history(c, r, on_replay, &out);
        return out;
    }
};

// ---- users ------------------------------------------------------------

TEST_F(ChatTest, UserAddRegistersAndFindsIgnoringCase)
{
    EXPECT_EQ(chat_user_count(c), 0u);
    chat_user *u = add("Alice");
    EXPECT_EQ(chat_user_count(c), 1u);
    EXPECT_STREQ(chat_user_name(u), "Alice") << "the name as given";
    EXPECT_EQ(chat_user_name_len(u), 5u);
    EXPECT_EQ(find_user("alice"), u);
    EXPECT_EQ(find_user("ALICE"), u);
    EXPECT_EQ(find_user("alic"), nullptr);
    EXPECT_EQ(find_user("bob"), nullptr);
    EXPECT_EQ(chat_user_room_count(u), 0u) << "registering joins no room";
    EXPECT_EQ(total(), 0u) << "registering delivers nothing";
}

TEST_F(ChatTest, UserAddRefusesTakenNameIgnoringAsciiCase)
{
    add("Alice");
    EXPECT_EQ(try_add("aLICE"), CHAT_ERR_NAME_TAKEN);
    EXPECT_EQ(try_add("Alice"), CHAT_ERR_NAME_TAKEN);
    EXPECT_EQ(chat_user_count(c), 1u);
    // Non-ASCII letters do not fold: 'É' and 'é' are different names.
    chat_user *upper = add("\xC3\x89milie");
    chat_user *lower = add("\xC3\xA9milie");
    EXPECT_NE(upper, lower);
    EXPECT_EQ(find_user("\xC3\x89MILIE"), upper);
    EXPECT_EQ(find_user("\xC3\xA9MILIE"), lower);
    EXPECT_EQ(chat_user_count(c), 3u);
}

TEST_F(ChatTest, BadNamesRefusedWithStatus)
{
    const std::string zhang = "\xE5\xBC\xA0"; // 3 bytes
    std::string bytes65;
    for (int i = 0; i < 21; i++)
        bytes65 += zhang; // 21 characters, 63 bytes
    bytes65 += "ab";      // 23 characters, 65 bytes
    const std::vector<std::pair<std::string, name_status>> bad = {
        {"", NAME_EMPTY},
        {"bob!", NAME_BAD_CHAR},
        {"a b", NAME_BAD_CHAR},
        {"a\x1b", NAME_BAD_CHAR},
        {".dot", NAME_BAD_START},
        {std::string(25, 'x'), NAME_TOO_LONG},
        {bytes65, NAME_TOO_LONG},
        {"ab\xFF", NAME_BAD_UTF8},
    };
    for (const auto &b : bad) {
        name_status st = NAME_OK;
        EXPECT_EQ(chat_check_name(c, nullptr, b.first.data(), b.first.size(), &st), CHAT_ERR_BAD_NAME)
            << b.first;
        EXPECT_EQ(st, b.second) << b.first;
        EXPECT_EQ(try_add(b.first), CHAT_ERR_BAD_NAME) << b.first;
    }
    EXPECT_EQ(chat_user_count(c), 0u);
    add(std::string(24, 'x'));
    add("Jos\xC3\xA9");
    add(zhang + "\xE4\xB8\x89");
    EXPECT_EQ(chat_user_count(c), 3u);
}

TEST_F(ChatTest, CheckNameAllowsOwnNameInOtherCase)
{
    chat_user *a = add("alice");
    chat_user *b = add("bob");
    name_status st = NAME_BAD_CHAR;
    EXPECT_EQ(chat_check_name(c, a, "ALICE", 5, &st), CHAT_OK);
    EXPECT_EQ(st, NAME_OK);
    EXPECT_EQ(chat_check_name(c, nullptr, "ALICE", 5, &st), CHAT_ERR_NAME_TAKEN);
    EXPECT_EQ(chat_check_name(c, b, "ALICE", 5, &st), CHAT_ERR_NAME_TAKEN);
    EXPECT_EQ(chat_check_name(c, b, "carol", 5, nullptr), CHAT_OK);
}

TEST_F(ChatTest, RenameMovesTheName)
{
    chat_user *a = add("alice");
    ASSERT_EQ(chat_user_rename(c, a, "Alicia", 6), CHAT_OK);
    EXPECT_STREQ(chat_user_name(a), "Alicia");
    EXPECT_EQ(chat_user_name_len(a), 6u);
    EXPECT_EQ(find_user("alice"), nullptr);
    EXPECT_EQ(find_user("ALICIA"), a);
    EXPECT_EQ(chat_user_count(c), 1u);
    chat_user *other = add("ALICE");
    EXPECT_NE(other, nullptr) << "the old name is free";
    EXPECT_EQ(find_user("alice"), other);
}

TEST_F(ChatTest, RenameToOwnNameInOtherCase)
{
    chat_user *a = add("alice");
    join(a, "#lobby");
    clear();
    ASSERT_EQ(chat_user_rename(c, a, "ALICE", 5), CHAT_OK);
    EXPECT_STREQ(chat_user_name(a), "ALICE");
    EXPECT_EQ(find_user("alice"), a);
    auto r = kinds(a, CHAT_RENAME);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].old_name, "alice");
    EXPECT_EQ(r[0].actor_name, "ALICE");
    EXPECT_EQ(members(chat_default_room(c)), std::vector<std::string>{"ALICE"});
}

TEST_F(ChatTest, RenameToTakenOrBadNameRefused)
{
    chat_user *a = add("alice");
    chat_user *b = add("bob");
    join(a, "#lobby");
    join(b, "#lobby");
    clear();
    EXPECT_EQ(chat_user_rename(c, a, "BOB", 3), CHAT_ERR_NAME_TAKEN);
    EXPECT_EQ(chat_user_rename(c, a, "bad name", 8), CHAT_ERR_BAD_NAME);
    EXPECT_EQ(chat_user_rename(c, a, "", 0), CHAT_ERR_BAD_NAME);
    EXPECT_STREQ(chat_user_name(a), "alice");
    EXPECT_EQ(find_user("alice"), a);
    EXPECT_EQ(find_user("bob"), b);
    EXPECT_EQ(total(), 0u);
}

TEST_F(ChatTest, RenameDeliveredOnceToEachSharerAndToSelf)
{
    chat_user *a = add("alice"), *b = add("bob"), *cl = add("carol"), *d = add("dave");
    join(a, "#lobby");
    join(b, "#lobby");
    join(a, "#x");
    join(b, "#x");
    join(a, "#y");
    join(b, "#y"); // bob shares three rooms with alice
    join(cl, "#y");
    join(cl, "#z");
    join(d, "#d"); // dave shares nothing
    join(a, "#solo");
    clear();
    ASSERT_EQ(chat_user_rename(c, a, "alicia", 6), CHAT_OK);
    for (chat_user *u : {a, b, cl}) {
        auto r = kinds(u, CHAT_RENAME);
        ASSERT_EQ(r.size(), 1u) << chat_user_name(u);
        EXPECT_EQ(evs(u).size(), 1u) << chat_user_name(u);
        EXPECT_EQ(r[0].actor, a);
        EXPECT_EQ(r[0].actor_name, "alicia");
        EXPECT_EQ(r[0].old_name, "alice");
        EXPECT_EQ(r[0].room, nullptr);
        EXPECT_EQ(r[0].room_name, NIL);
        EXPECT_EQ(r[0].seq, evs(a)[0].seq);
    }
    EXPECT_TRUE(evs(d).empty());
}

TEST_F(ChatTest, RenameWithoutRoomsTellsOnlyTheRenamer)
{
    chat_user *a = add("alice"), *b = add("bob");
    join(b, "#lobby");
    clear();
    ASSERT_EQ(chat_user_rename(c, a, "al", 2), CHAT_OK);
    EXPECT_EQ(kinds(a, CHAT_RENAME).size(), 1u);
    EXPECT_TRUE(evs(b).empty());
}

TEST_F(ChatTest, QuitDeliveredOnceToEachSharerNotToLeaver)
{
    chat_user *a = add("alice"), *b = add("bob"), *cl = add("carol"), *d = add("dave");
    chat_room *x = join(a, "#x");
    join(b, "#x");
    chat_room *y = join(a, "#y");
    join(b, "#y");
    join(cl, "#y");
    join(d, "#d");
    chat_room *solo = join(a, "#solo");
    Session &as = S(a);
    clear();
    quit(a, "quit", "bye all");
    EXPECT_TRUE(as.evs.empty()) << "the leaver gets no QUIT";
    EXPECT_TRUE(as.lefts.empty()) << "left_room is for part and kick";
    for (chat_user *u : {b, cl}) {
        auto q = kinds(u, CHAT_QUIT);
        ASSERT_EQ(q.size(), 1u) << chat_user_name(u);
        EXPECT_EQ(q[0].actor_name, "alice");
        EXPECT_EQ(q[0].reason, "quit");
        EXPECT_EQ(q[0].text, "bye all");
        EXPECT_EQ(q[0].room, nullptr);
    }
    EXPECT_TRUE(evs(d).empty());
    EXPECT_EQ(find_user("alice"), nullptr);
    EXPECT_EQ(chat_user_count(c), 3u);
    EXPECT_EQ(members(x), std::vector<std::string>{"bob"});
    EXPECT_EQ(members(y), (std::vector<std::string>{"bob", "carol"}));
    EXPECT_EQ(chat_room_member_count(solo), 0u);
    EXPECT_EQ(find_room("#solo"), solo) << "an emptied room is kept";
    add("ALICE"); // the name is free again
}

TEST_F(ChatTest, QuitReasonAndWordsCarriedAndSanitised)
{
    chat_user *a = add("alice"), *b = add("bob");
    join(a, "#x");
    join(b, "#x");
    clear();
    quit(a, "too slow", "a\x1b[2Jb");
    auto q = kinds(b, CHAT_QUIT);
    ASSERT_EQ(q.size(), 1u);
    EXPECT_EQ(q[0].reason, "too slow");
    EXPECT_EQ(q[0].text, "a" + FFFD + "[2Jb");
}

TEST_F(ChatTest, QuitWithoutWordsHasEmptyText)
{
    chat_user *a = add("alice"), *b = add("bob");
    join(a, "#x");
    join(b, "#x");
    clear();
    quit(a, "connection closed");
    auto q = kinds(b, CHAT_QUIT);
    ASSERT_EQ(q.size(), 1u);
    EXPECT_EQ(q[0].text, "");
    EXPECT_EQ(q[0].reason, "connection closed");
}

TEST_F(ChatTest, PrivateToTargetAndSender)
{
    chat_user *a = add("alice"), *b = add("bob"), *cl = add("carol");
    join(a, "#x");
    join(b, "#x");
    join(cl, "#x");
    clear();
    ASSERT_EQ(chat_private(c, a, b, "psst\x07", 5), CHAT_OK);
    for (chat_user *u : {a, b}) {
        ASSERT_EQ(evs(u).size(), 1u) << chat_user_name(u);
        const Ev &e = evs(u)[0];
        EXPECT_EQ(e.kind, CHAT_PRIVATE);
        EXPECT_EQ(e.actor, a);
        EXPECT_EQ(e.target, b);
        EXPECT_EQ(e.actor_name, "alice");
        EXPECT_EQ(e.target_name, "bob");
        EXPECT_EQ(e.text, "psst" + FFFD);
        EXPECT_EQ(e.room, nullptr);
    }
    EXPECT_EQ(evs(a)[0].seq, evs(b)[0].seq);
    EXPECT_TRUE(evs(cl).empty());
}

TEST_F(ChatTest, PrivateToSelfDeliveredOnce)
{
    chat_user *a = add("alice");
    ASSERT_EQ(chat_private(c, a, a, "note", 4), CHAT_OK);
    ASSERT_EQ(evs(a).size(), 1u);
    EXPECT_EQ(evs(a)[0].text, "note");
}

TEST_F(ChatTest, LogKeepsChatTextOutOfEventLines)
{
    // --quiet hides CHAT_LOG_CHAT lines: no chat words may hide in the others.
    chat_user *a = add("alice"), *b = add("bob");
    chat_room *x = join(a, "#x");
    join(b, "#x");
    say(a, x, "secret1");
    say(a, x, "secret2", true);
    ASSERT_EQ(chat_private(c, a, b, "secret3", 7), CHAT_OK);
    ASSERT_EQ(topic(a, x, "secret4"), CHAT_OK);
    ASSERT_EQ(kick(a, x, b, "secret5"), CHAT_OK);
    ASSERT_EQ(part(a, x, "secret6"), CHAT_OK);
    quit(a, "quit", "secret7");
    bool said = false;
    for (const auto &l : logs) {
        if (l.first == CHAT_LOG_CHAT && l.second.find("secret1") != std::string::npos)
            said = true;
        if (l.first == CHAT_LOG_EVENT) {
            EXPECT_EQ(l.second.find("secret"), std::string::npos) << l.second;
        }
    }
    EXPECT_TRUE(said) << "public chat is logged as CHAT_LOG_CHAT";
}

// ---- rooms ------------------------------------------------------------

TEST_F(ChatTest, DefaultRoomExistsFromTheStart)
{
    chat_room *lobby = chat_default_room(c);
    ASSERT_NE(lobby, nullptr);
    EXPECT_STREQ(chat_room_name(lobby), CHAT_DEFAULT_ROOM);
    EXPECT_EQ(find_room("#LOBBY"), lobby);
    EXPECT_EQ(chat_room_count(c), 1u);
    EXPECT_EQ(chat_room_member_count(lobby), 0u);
    EXPECT_EQ(chat_room_first(c), lobby);
}

TEST_F(ChatTest, CustomAndInvalidDefaultRoom)
{
    cfg.default_room = "#Main";
    make();
    EXPECT_STREQ(chat_room_name(chat_default_room(c)), "#Main");
    EXPECT_EQ(find_room("#main"), chat_default_room(c));
    EXPECT_EQ(find_room("#lobby"), nullptr);
    cfg.default_room = "main";
    EXPECT_EQ(chat_create(&cfg, &ops), nullptr);
    cfg.default_room = "#a b";
    EXPECT_EQ(chat_create(&cfg, &ops), nullptr);
}

TEST_F(ChatTest, JoinCreatesRoomWithCreatorAsOperator)
{
    chat_user *a = add("alice");
    chat_room *r = join(a, "#rust");
    EXPECT_STREQ(chat_room_name(r), "#rust");
    EXPECT_EQ(chat_room_count(c), 2u);
    EXPECT_EQ(find_room("#rust"), r);
    EXPECT_TRUE(chat_is_operator(a, r));
    EXPECT_NE(chat_membership(a, r), nullptr);
    EXPECT_EQ(chat_room_member_count(r), 1u);
    EXPECT_EQ(chat_user_room_count(a), 1u);
    ASSERT_EQ(evs(a).size(), 1u);
    const Ev &e = evs(a)[0];
    EXPECT_EQ(e.kind, CHAT_JOIN);
    EXPECT_EQ(e.room, r);
    EXPECT_EQ(e.room_name, "#rust");
    EXPECT_EQ(e.actor, a);
    EXPECT_EQ(e.actor_name, "alice");
    EXPECT_TRUE(e.to_was_member) << "the joiner is in the room when told";
    EXPECT_EQ(all_rooms(), (std::vector<std::string>{"#lobby", "#rust"}));
}

TEST_F(ChatTest, JoinDeliveredToAllMembersIncludingJoiner)
{
    chat_user *a = add("alice"), *b = add("bob"), *cl = add("carol"), *out = add("outsider");
    chat_room *r = join(a, "#x");
    join(b, "#x");
    clear();
    join(cl, "#x");
    for (chat_user *u : {a, b, cl}) {
        ASSERT_EQ(evs(u).size(), 1u) << chat_user_name(u);
        EXPECT_EQ(evs(u)[0].kind, CHAT_JOIN);
        EXPECT_EQ(evs(u)[0].actor_name, "carol");
        EXPECT_EQ(evs(u)[0].seq, evs(a)[0].seq);
    }
    EXPECT_TRUE(evs(out).empty());
    EXPECT_FALSE(chat_is_operator(cl, r));
    EXPECT_FALSE(chat_is_operator(b, r));
    EXPECT_TRUE(chat_is_operator(a, r));
}

TEST_F(ChatTest, JoinAgainIsAlreadyMemberAndSilent)
{
    chat_user *a = add("alice"), *b = add("bob");
    chat_room *r = join(a, "#Rust");
    join(b, "#rust");
    clear();
    chat_room *out = nullptr;
    EXPECT_EQ(try_join(b, "#rust", &out), CHAT_ERR_ALREADY_MEMBER);
    EXPECT_EQ(out, r);
    EXPECT_EQ(try_join(b, "#RUST", &out), CHAT_ERR_ALREADY_MEMBER);
    EXPECT_EQ(out, r);
    EXPECT_EQ(total(), 0u);
    EXPECT_EQ(chat_room_member_count(r), 2u);
    EXPECT_EQ(chat_user_room_count(b), 1u);
}

TEST_F(ChatTest, RoomNamesIgnoreAsciiCase)
{
    chat_user *a = add("alice"), *b = add("bob");
    chat_room *r = join(a, "#Rust");
    EXPECT_EQ(join(b, "#rust"), r);
    EXPECT_STREQ(chat_room_name(r), "#Rust") << "the name as created";
    EXPECT_EQ(find_room("#RUST"), r);
    EXPECT_EQ(chat_room_count(c), 2u);
    chat_room *e1 = join(a, "#\xC3\x89t\xC3\xA9");
    chat_room *e2 = join(a, "#\xC3\xA9t\xC3\xA9");
    EXPECT_NE(e1, e2) << "non-ASCII letters do not fold";
}

TEST_F(ChatTest, BadRoomNamesRefused)
{
    chat_user *a = add("alice");
    const std::string zhang = "\xE5\xBC\xA0";
    std::string bytes64 = "#", bytes65;
    for (int i = 0; i < 21; i++)
        bytes64 += zhang; // '#' + 21 characters = 64 bytes
    bytes65 = bytes64 + "a"; // 22 characters, 65 bytes
    const std::vector<std::pair<std::string, name_status>> bad = {
        {"rust", NAME_NO_HASH},
        {"", NAME_NO_HASH},
        {"#", NAME_EMPTY},
        {"#a b", NAME_BAD_CHAR},
        {"#bad!", NAME_BAD_CHAR},
        {"##", NAME_BAD_CHAR},
        {"#.x", NAME_BAD_START},
        {"#" + std::string(33, 'r'), NAME_TOO_LONG},
        {bytes65, NAME_TOO_LONG},
        {"#\xC3", NAME_BAD_UTF8},
    };
    for (const auto &b : bad) {
        EXPECT_EQ(chat_check_room_name(b.first.data(), b.first.size()), b.second) << b.first;
        chat_room *out = reinterpret_cast<chat_room *>(1);
        EXPECT_EQ(try_join(a, b.first, &out), CHAT_ERR_BAD_ROOM_NAME) << b.first;
        EXPECT_EQ(out, nullptr);
    }
    EXPECT_EQ(chat_room_count(c), 1u);
    EXPECT_EQ(total(), 0u);
    join(a, "#" + std::string(32, 'r'));
    join(a, bytes64);
    EXPECT_EQ(chat_room_count(c), 3u);
}

TEST_F(ChatTest, MaxRoomsPerUser)
{
    chat_user *a = add("alice"), *b = add("bob");
    chat_room *other = join(b, "#other");
    for (int i = 0; i < CHAT_MAX_ROOMS_PER_USER; i++)
        join(a, "#r" + std::to_string(i));
    EXPECT_EQ(chat_user_room_count(a), static_cast<size_t>(CHAT_MAX_ROOMS_PER_USER));
    clear();
    EXPECT_EQ(try_join(a, "#one-more"), CHAT_ERR_TOO_MANY_JOINED);
    EXPECT_EQ(find_room("#one-more"), nullptr) << "not created";
    EXPECT_EQ(try_join(a, "#other"), CHAT_ERR_TOO_MANY_JOINED) << "existing rooms too";
    chat_room *out = nullptr;
    EXPECT_EQ(try_join(a, "#r5", &out), CHAT_ERR_ALREADY_MEMBER);
    EXPECT_EQ(out, find_room("#r5"));
    EXPECT_EQ(total(), 0u);
    ASSERT_EQ(part(a, find_room("#r0")), CHAT_OK);
    EXPECT_EQ(join(a, "#other"), other);
}

TEST_F(ChatTest, FullServerForgetsLongestUnusedEmptyRoom)
{
    cfg.max_rooms = 4; // #lobby + 3
    make();
    chat_user *a = add("alice");
    chat_room *ra = join(a, "#a");
    chat_room *rb = join(a, "#b");
    chat_room *rc = join(a, "#c");
    ASSERT_EQ(topic(a, rb, "b topic"), CHAT_OK);
    say(a, rb, "in b");
    // Emptied in the order b, a, c.
    ASSERT_EQ(part(a, rb), CHAT_OK);
    ASSERT_EQ(part(a, ra), CHAT_OK);
    ASSERT_EQ(part(a, rc), CHAT_OK);
    EXPECT_EQ(chat_room_count(c), 4u);
    join(a, "#d");
    EXPECT_EQ(chat_room_count(c), 4u);
    EXPECT_EQ(find_room("#b"), nullptr) << "#b was emptied first";
    EXPECT_EQ(find_room("#a"), ra);
    EXPECT_EQ(find_room("#c"), rc);
    EXPECT_EQ(all_rooms(), (std::vector<std::string>{"#lobby", "#a", "#c", "#d"}));
    // Using #a again puts it behind #c.
    join(a, "#a");
    ASSERT_EQ(part(a, ra), CHAT_OK);
    join(a, "#e");
    EXPECT_EQ(find_room("#c"), nullptr) << "#c is now the longest unused";
    EXPECT_EQ(find_room("#a"), ra);
    // #b comes back as a new room: no topic, no history; alice is its
    // operator. Empty now: #a (since before #e was made), then #d.
    chat_room *rd = find_room("#d");
    ASSERT_EQ(part(a, rd), CHAT_OK);
    chat_room *nb = join(a, "#b");
    EXPECT_EQ(find_room("#a"), nullptr);
    EXPECT_EQ(find_room("#d"), rd);
    size_t len = 99;
    EXPECT_STREQ(chat_room_topic(nb, &len), "");
    EXPECT_EQ(len, 0u);
    EXPECT_STREQ(chat_room_topic_setter(nb), "");
    EXPECT_EQ(chat_room_history_count(nb), 0u);
    EXPECT_TRUE(replay(nb).empty());
    EXPECT_TRUE(chat_is_operator(a, nb));
}

TEST_F(ChatTest, DefaultRoomNeverForgotten)
{
    cfg.max_rooms = 2; // #lobby + 1
    make();
    chat_user *a = add("alice");
    chat_room *lobby = chat_default_room(c);
    ASSERT_EQ(part(a, join(a, "#a")), CHAT_OK);
    join(a, "#b"); // forgets #a, not the (empty, older) lobby
    EXPECT_EQ(find_room("#a"), nullptr);
    EXPECT_EQ(find_room("#lobby"), lobby);
    // The lobby emptied after #b: still never forgotten.
    join(a, "#lobby");
    ASSERT_EQ(part(a, lobby), CHAT_OK);
    clear();
    EXPECT_EQ(try_join(a, "#c"), CHAT_ERR_TOO_MANY_ROOMS);
    EXPECT_EQ(find_room("#lobby"), lobby);
    EXPECT_EQ(total(), 0u);
}

TEST_F(ChatTest, TooManyRoomsWhenNoneIsEmpty)
{
    cfg.max_rooms = 3;
    make();
    chat_user *a = add("alice"), *b = add("bob");
    join(a, "#a");
    chat_room *rb = join(b, "#b");
    clear();
    chat_room *out = reinterpret_cast<chat_room *>(1);
    EXPECT_EQ(try_join(a, "#c", &out), CHAT_ERR_TOO_MANY_ROOMS);
    EXPECT_EQ(out, nullptr);
    EXPECT_EQ(chat_room_count(c), 3u);
    EXPECT_EQ(find_room("#c"), nullptr);
    EXPECT_EQ(total(), 0u);
    EXPECT_EQ(join(a, "#b"), rb) << "existing rooms can still be joined";
    join(a, "#lobby");
}

TEST_F(ChatTest, EmptiedRoomKeepsTopicAndHistoryAndNextJoinerIsOperator)
{
    chat_user *a = add("alice"), *b = add("bob");
    chat_room *r = join(a, "#a");
    now = 1234;
    ASSERT_EQ(topic(a, r, "the topic"), CHAT_OK);
    say(a, r, "hello");
    ASSERT_EQ(part(a, r), CHAT_OK);
    EXPECT_EQ(chat_room_member_count(r), 0u);
    EXPECT_EQ(find_room("#a"), r);
    now = 2000;
    EXPECT_EQ(join(b, "#A"), r);
    EXPECT_TRUE(chat_is_operator(b, r)) << "whoever finds the room empty";
    EXPECT_STREQ(chat_room_topic(r, nullptr), "the topic");
    EXPECT_STREQ(chat_room_topic_setter(r), "alice");
    EXPECT_EQ(chat_room_topic_time(r), 1234);
    EXPECT_EQ(chat_room_history_count(r), 2u);
    auto h = replay(r);
    ASSERT_EQ(h.size(), 2u);
    EXPECT_EQ(h[1].text, "hello");
    EXPECT_EQ(join(a, "#a"), r);
    EXPECT_FALSE(chat_is_operator(a, r)) << "the creator has no claim on rejoining";
}

// ---- part ---------------------------------------------------------------

TEST_F(ChatTest, PartDeliveredToAllThenRemovedThenLeftRoom)
{
    chat_user *a = add("alice"), *b = add("bob"), *out = add("outsider");
    chat_room *r = join(a, "#x");
    join(b, "#x");
    join(out, "#y");
    clear();
    ASSERT_EQ(part(b, r, "bye"), CHAT_OK);
    for (chat_user *u : {a, b}) {
        ASSERT_EQ(evs(u).size(), 1u) << chat_user_name(u);
        const Ev &e = evs(u)[0];
        EXPECT_EQ(e.kind, CHAT_PART);
        EXPECT_EQ(e.room, r);
        EXPECT_EQ(e.actor, b);
        EXPECT_EQ(e.actor_name, "bob");
        EXPECT_EQ(e.text, "bye");
    }
    EXPECT_TRUE(evs(b)[0].to_was_member) << "the leaver is told before leaving";
    EXPECT_EQ(evs(a)[0].seq, evs(b)[0].seq);
    EXPECT_TRUE(evs(out).empty());
    EXPECT_EQ(chat_membership(b, r), nullptr);
    EXPECT_EQ(members(r), std::vector<std::string>{"alice"});
    EXPECT_EQ(chat_user_room_count(b), 0u);
    ASSERT_EQ(S(b).lefts.size(), 1u);
    EXPECT_EQ(S(b).lefts[0].user, b);
    EXPECT_EQ(S(b).lefts[0].room, r);
    EXPECT_FALSE(S(b).lefts[0].still_member) << "left_room comes after the removal";
    EXPECT_EQ(S(b).lefts[0].member_count, 1u);
    EXPECT_TRUE(S(a).lefts.empty());
}

// joined_room: once per successful join, after everyone (the joiner too) got
// the CHAT_JOIN and with the creator already an operator; never for a room
// one is in, or for a join that failed.
TEST_F(ChatTest, JoinedRoomComesOnceAfterTheJoinEvent)
{
    chat_user *a = add("alice");
    chat_user *b = add("bob");
    chat_room *r = join(a, "#rust");
    ASSERT_EQ(S(a).joins.size(), 1u);
    EXPECT_EQ(S(a).joins[0].room, r);
    EXPECT_EQ(S(a).joins[0].events_seen, S(a).evs.size()) << "after the joiner's own JOIN";
    EXPECT_EQ(S(a).evs.back().kind, CHAT_JOIN);
    EXPECT_TRUE(S(a).joins[0].op) << "the creator is an operator by then";
    join(b, "#rust");
    ASSERT_EQ(S(b).joins.size(), 1u);
    EXPECT_FALSE(S(b).joins[0].op);
    EXPECT_EQ(S(a).joins.size(), 1u) << "only the joiner is called";
    EXPECT_EQ(evs(a).back().kind, CHAT_JOIN) << "alice saw bob's JOIN first";
    EXPECT_EQ(try_join(b, "#rust"), CHAT_ERR_ALREADY_MEMBER);
    EXPECT_EQ(try_join(b, "no-hash"), CHAT_ERR_BAD_ROOM_NAME);
    EXPECT_EQ(S(b).joins.size(), 1u);
}

TEST_F(ChatTest, PartNotMember)
{
    chat_user *a = add("alice"), *b = add("bob");
    chat_room *r = join(a, "#x");
    clear();
    EXPECT_EQ(part(b, r), CHAT_ERR_NOT_MEMBER);
    EXPECT_EQ(part(b, chat_default_room(c)), CHAT_ERR_NOT_MEMBER);
    EXPECT_EQ(total(), 0u);
    EXPECT_TRUE(S(b).lefts.empty());
    ASSERT_EQ(part(a, r), CHAT_OK);
    EXPECT_EQ(part(a, r), CHAT_ERR_NOT_MEMBER) << "not twice";
}

TEST_F(ChatTest, PartWordsSanitisedAndKeptWithinReasonLimit)
{
    chat_user *a = add("alice"), *b = add("bob");
    chat_room *r = join(a, "#x");
    join(b, "#x");
    clear();
    std::string words = "a";
    for (int i = 0; i < 200; i++)
        words += "\xC3\xA9"; // 401 bytes; byte 300 is inside a character
    ASSERT_EQ(part(b, r, words), CHAT_OK);
    ASSERT_EQ(evs(a).size(), 1u);
    const std::string &t = evs(a)[0].text;
    EXPECT_LE(t.size(), static_cast<size_t>(CHAT_REASON_MAX_BYTES));
    EXPECT_GE(t.size(), static_cast<size_t>(CHAT_REASON_MAX_BYTES) - 3);
    EXPECT_TRUE(utf8_is_valid(t.data(), t.size())) << "cut at a character boundary";
    EXPECT_EQ(t, words.substr(0, t.size()));
    join(b, "#x");
    clear();
    ASSERT_EQ(part(b, r, "x\x1b[0m"), CHAT_OK);
    EXPECT_EQ(evs(a)[0].text, "x" + FFFD + "[0m");
}

// ---- say and action ----------------------------------------------------

TEST_F(ChatTest, SayDeliveredToEveryMemberIncludingSender)
{
    chat_user *a = add("alice"), *b = add("bob"), *cl = add("carol"), *out = add("outsider");
    chat_room *r = join(a, "#x");
    join(b, "#x");
    join(cl, "#x");
    join(out, "#y");
    clear();
    say(b, r, "hello");
    say(cl, r, "waves", true);
    for (chat_user *u : {a, b, cl}) {
        ASSERT_EQ(evs(u).size(), 2u) << chat_user_name(u);
        EXPECT_EQ(evs(u)[0].kind, CHAT_SAY);
        EXPECT_EQ(evs(u)[0].actor, b);
        EXPECT_EQ(evs(u)[0].actor_name, "bob");
        EXPECT_EQ(evs(u)[0].room, r);
        EXPECT_EQ(evs(u)[0].text, "hello");
        EXPECT_EQ(evs(u)[0].seq, evs(a)[0].seq);
        EXPECT_EQ(evs(u)[1].kind, CHAT_ACTION);
        EXPECT_EQ(evs(u)[1].actor_name, "carol");
        EXPECT_EQ(evs(u)[1].text, "waves");
        EXPECT_EQ(evs(u)[1].seq, evs(a)[1].seq);
    }
    EXPECT_LT(evs(a)[0].seq, evs(a)[1].seq);
    EXPECT_TRUE(evs(out).empty());
}

TEST_F(ChatTest, SayFromNonMemberRefused)
{
    chat_user *a = add("alice"), *b = add("bob");
    chat_room *r = join(a, "#x");
    clear();
    EXPECT_EQ(chat_say(c, b, r, "hi", 2, false), CHAT_ERR_NOT_MEMBER);
    EXPECT_EQ(chat_say(c, b, r, "hi", 2, true), CHAT_ERR_NOT_MEMBER);
    EXPECT_EQ(total(), 0u);
    EXPECT_EQ(chat_room_history_count(r), 0u);
}

TEST_F(ChatTest, SayTextSanitised)
{
    chat_user *a = add("alice");
    chat_room *r = join(a, "#x");
    clear();
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"a\x1b[31mred", "a" + FFFD + "[31mred"},
        {"bad\xFFutf8", "bad" + FFFD + "utf8"},
        {"\xC0\xAF", FFFD + FFFD},                    // overlong '/'
        {std::string("nul\0in", 6), "nul" + FFFD + "in"},
        {"tab\tkept", "tab\tkept"},
        {"cr\rlf\n", "cr" + FFFD + "lf" + FFFD},
        {"\xC2\x9B" "c1", FFFD + "c1"},                // C1 CSI
        {"del\x7f", "del" + FFFD},
        {"\xE5\xBC\xA0\xE4\xB8\x89 ok", "\xE5\xBC\xA0\xE4\xB8\x89 ok"},
    };
    for (const auto &t : cases) {
        clear();
        say(a, r, t.first);
        ASSERT_EQ(evs(a).size(), 1u);
        EXPECT_EQ(evs(a)[0].text, t.second) << "input of " << t.first.size() << " bytes";
        EXPECT_EQ(replay(r).back().text, t.second) << "history holds the sanitised text";
    }
}

TEST_F(ChatTest, SayAndActionEnterHistoryUpToTheLimit)
{
    cfg.history = 5;
    make();
    chat_user *a = add("alice");
    chat_room *r = join(a, "#x");
    for (int i = 0; i < 12; i++) {
        say(a, r, "line " + std::to_string(i), i % 2 == 1);
        EXPECT_EQ(chat_room_history_count(r), static_cast<size_t>(std::min(i + 1, 5)));
    }
    auto h = replay(r);
    ASSERT_EQ(h.size(), 5u);
    for (size_t i = 0; i < 5; i++) {
        EXPECT_EQ(h[i].text, "line " + std::to_string(i + 7));
        EXPECT_EQ(h[i].kind, (i + 7) % 2 == 1 ? CHAT_ACTION : CHAT_SAY);
    }
}

TEST_F(ChatTest, ReplayHistoryKeepsTimesNamesAndOrder)
{
    cfg.history = 3;
    make();
    chat_user *a = add("alice"), *b = add("bob"), *cl = add("carol");
    chat_room *r = join(a, "#x");
    join(b, "#x");
    now = 101;
    say(a, r, "one");
    now = 102;
    say(b, r, "waves", true);
    now = 103;
    ASSERT_EQ(topic(a, r, "T"), CHAT_OK);
    now = 104;
    say(b, r, "four");
    now = 150;
    ASSERT_EQ(chat_user_rename(c, a, "alicia", 6), CHAT_OK);
    quit(b, "quit");
    now = 200;
    join(cl, "#x");
    uint64_t before = last.seq;
    auto h = replay(r);
    ASSERT_EQ(h.size(), 3u) << "limited to cfg.history lines";
    EXPECT_EQ(h[0].kind, CHAT_ACTION);
    EXPECT_EQ(h[0].actor_name, "bob") << "the name at the time, though bob has left";
    EXPECT_EQ(h[0].text, "waves");
    EXPECT_EQ(h[0].time, 102);
    EXPECT_EQ(h[1].kind, CHAT_TOPIC);
    EXPECT_EQ(h[1].actor_name, "alice") << "the name at the time, not alicia";
    EXPECT_EQ(h[1].text, "T");
    EXPECT_EQ(h[1].time, 103);
    EXPECT_EQ(h[2].kind, CHAT_SAY);
    EXPECT_EQ(h[2].actor_name, "bob");
    EXPECT_EQ(h[2].text, "four");
    EXPECT_EQ(h[2].time, 104);
    uint64_t prev = before;
    for (const Ev &e : h) {
        EXPECT_TRUE(e.replay);
        EXPECT_EQ(e.actor, nullptr);
        EXPECT_EQ(e.room, r);
        EXPECT_EQ(e.room_name, "#x");
        EXPECT_GT(e.seq, prev) << "each replayed line has its own fresh seq";
        prev = e.seq;
    }
    // A second replay (another joiner) gets fresh seqs again.
    auto h2 = replay(r);
    ASSERT_EQ(h2.size(), 3u);
    EXPECT_GT(h2[0].seq, h.back().seq);
    // Live events after a replay keep counting upwards.
    say(cl, r, "after");
    EXPECT_GT(evs(cl).back().seq, h2.back().seq);
}

TEST_F(ChatTest, HistoryZeroStoresNothing)
{
    cfg.history = 0;
    make();
    chat_user *a = add("alice");
    chat_room *r = join(a, "#x");
    say(a, r, "hi");
    ASSERT_EQ(topic(a, r, "t"), CHAT_OK);
    EXPECT_EQ(chat_room_history_count(r), 0u);
    EXPECT_TRUE(replay(r).empty());
    EXPECT_EQ(kinds(a, CHAT_SAY).size(), 1u) << "still delivered";
}

// ---- topic ---------------------------------------------------------------

TEST_F(ChatTest, TopicOperatorsOnly)
{
    chat_user *a = add("alice"), *b = add("bob"), *out = add("outsider");
    chat_room *r = join(a, "#x");
    join(b, "#x");
    clear();
    EXPECT_EQ(topic(b, r, "mine"), CHAT_ERR_NOT_OPERATOR);
    EXPECT_EQ(topic(out, r, "mine"), CHAT_ERR_NOT_MEMBER);
    EXPECT_EQ(total(), 0u);
    EXPECT_STREQ(chat_room_topic(r, nullptr), "");
    now = 5000;
    ASSERT_EQ(topic(a, r, "Rust talk"), CHAT_OK);
    for (chat_user *u : {a, b}) {
        ASSERT_EQ(evs(u).size(), 1u);
        EXPECT_EQ(evs(u)[0].kind, CHAT_TOPIC);
        EXPECT_EQ(evs(u)[0].actor_name, "alice");
        EXPECT_EQ(evs(u)[0].text, "Rust talk");
        EXPECT_EQ(evs(u)[0].room, r);
    }
    EXPECT_TRUE(evs(out).empty());
    size_t len = 0;
    EXPECT_STREQ(chat_room_topic(r, &len), "Rust talk");
    EXPECT_EQ(len, 9u);
    EXPECT_STREQ(chat_room_topic_setter(r), "alice");
    EXPECT_EQ(chat_room_topic_time(r), 5000);
    // An operator made by alice may set it too.
    ASSERT_EQ(chat_set_operator(c, a, r, b, true), CHAT_OK);
    EXPECT_EQ(topic(b, r, "bob's"), CHAT_OK);
    EXPECT_STREQ(chat_room_topic_setter(r), "bob");
}

TEST_F(ChatTest, OpenTopicLetsAnyMemberSetIt)
{
    cfg.open_topic = true;
    make();
    chat_user *a = add("alice"), *b = add("bob"), *out = add("outsider");
    chat_room *r = join(a, "#x");
    join(b, "#x");
    EXPECT_EQ(topic(b, r, "open"), CHAT_OK);
    EXPECT_STREQ(chat_room_topic(r, nullptr), "open");
    EXPECT_EQ(topic(out, r, "no"), CHAT_ERR_NOT_MEMBER) << "members only, still";
}

TEST_F(ChatTest, TopicTooLongRefused)
{
    chat_user *a = add("alice");
    chat_room *r = join(a, "#x");
    ASSERT_EQ(topic(a, r, "old"), CHAT_OK);
    clear();
    size_t hist = chat_room_history_count(r);
    EXPECT_EQ(topic(a, r, std::string(CHAT_TOPIC_MAX_BYTES + 1, 't')), CHAT_ERR_TOO_LONG);
    EXPECT_STREQ(chat_room_topic(r, nullptr), "old");
    EXPECT_EQ(total(), 0u);
    EXPECT_EQ(chat_room_history_count(r), hist);
    EXPECT_EQ(topic(a, r, std::string(CHAT_TOPIC_MAX_BYTES, 't')), CHAT_OK);
    size_t len = 0;
    chat_room_topic(r, &len);
    EXPECT_EQ(len, static_cast<size_t>(CHAT_TOPIC_MAX_BYTES));
}

TEST_F(ChatTest, TopicSanitisedAndNeverOverMaxBytes)
{
    chat_user *a = add("alice");
    chat_room *r = join(a, "#x");
    ASSERT_EQ(topic(a, r, "a\x1b]0;pwned\x07"), CHAT_OK);
    EXPECT_EQ(std::string(chat_room_topic(r, nullptr)), "a" + FFFD + "]0;pwned" + FFFD);
    // 300 input bytes that each sanitise to 3: whatever the model does, a
    // stored topic must not exceed CHAT_TOPIC_MAX_BYTES.
    chat_result res = topic(a, r, std::string(CHAT_TOPIC_MAX_BYTES, '\x1b'));
    size_t len = 0;
    chat_room_topic(r, &len);
    EXPECT_TRUE(res == CHAT_OK || res == CHAT_ERR_TOO_LONG) << res;
    EXPECT_LE(len, static_cast<size_t>(CHAT_TOPIC_MAX_BYTES))
        << "topic stored with " << len << " bytes";
    std::string last_topic = evs(a).back().text;
    EXPECT_LE(last_topic.size(), static_cast<size_t>(CHAT_TOPIC_MAX_BYTES))
        << "TOPIC event carried " << last_topic.size() << " bytes";
}

TEST_F(ChatTest, EmptyTopicClears)
{
    chat_user *a = add("alice"), *b = add("bob");
    chat_room *r = join(a, "#x");
    join(b, "#x");
    ASSERT_EQ(topic(a, r, "something"), CHAT_OK);
    clear();
    ASSERT_EQ(topic(a, r, ""), CHAT_OK);
    size_t len = 99;
    EXPECT_STREQ(chat_room_topic(r, &len), "");
    EXPECT_EQ(len, 0u);
    EXPECT_STREQ(chat_room_topic_setter(r), "");
    ASSERT_EQ(evs(b).size(), 1u);
    EXPECT_EQ(evs(b)[0].kind, CHAT_TOPIC);
    EXPECT_EQ(evs(b)[0].text, "");
}

TEST_F(ChatTest, TopicChangesEnterHistory)
{
    chat_user *a = add("alice");
    chat_room *r = join(a, "#x");
    now = 10;
    ASSERT_EQ(topic(a, r, "first"), CHAT_OK);
    now = 20;
    ASSERT_EQ(topic(a, r, ""), CHAT_OK);
    EXPECT_EQ(chat_room_history_count(r), 2u);
    auto h = replay(r);
    ASSERT_EQ(h.size(), 2u);
    EXPECT_EQ(h[0].kind, CHAT_TOPIC);
    EXPECT_EQ(h[0].text, "first");
    EXPECT_EQ(h[0].time, 10);
    EXPECT_EQ(h[1].kind, CHAT_TOPIC);
    EXPECT_EQ(h[1].text, "");
    EXPECT_EQ(h[1].time, 20);
}

// ---- operators -----------------------------------------------------------

TEST_F(ChatTest, KickRequiresOperatorAndMembers)
{
    chat_user *a = add("alice"), *b = add("bob"), *out = add("outsider");
    chat_room *r = join(a, "#x");
    join(b, "#x");
    clear();
    EXPECT_EQ(kick(b, r, a), CHAT_ERR_NOT_OPERATOR);
    EXPECT_EQ(kick(out, r, a), CHAT_ERR_NOT_MEMBER);
    EXPECT_EQ(kick(a, r, out), CHAT_ERR_TARGET_NOT_MEMBER);
    EXPECT_EQ(total(), 0u);
    EXPECT_EQ(chat_room_member_count(r), 2u);
}

TEST_F(ChatTest, KickDeliveredToAllThenTargetRemoved)
{
    chat_user *a = add("alice"), *b = add("bob"), *cl = add("carol");
    chat_room *r = join(a, "#x");
    join(b, "#x");
    join(cl, "#x");
    join(b, "#other");
    clear();
    ASSERT_EQ(kick(a, r, b, "spam"), CHAT_OK);
    for (chat_user *u : {a, b, cl}) {
        ASSERT_EQ(evs(u).size(), 1u) << chat_user_name(u);
        const Ev &e = evs(u)[0];
        EXPECT_EQ(e.kind, CHAT_KICK);
        EXPECT_EQ(e.actor, a);
        EXPECT_EQ(e.actor_name, "alice");
        EXPECT_EQ(e.target, b);
        EXPECT_EQ(e.target_name, "bob");
        EXPECT_EQ(e.text, "spam");
        EXPECT_EQ(e.room, r);
    }
    EXPECT_TRUE(evs(b)[0].to_was_member) << "the target is told, then removed";
    EXPECT_EQ(chat_membership(b, r), nullptr);
    EXPECT_EQ(members(r), (std::vector<std::string>{"alice", "carol"}));
    EXPECT_EQ(rooms_of(b), std::vector<std::string>{"#other"});
    ASSERT_EQ(S(b).lefts.size(), 1u);
    EXPECT_EQ(S(b).lefts[0].room, r);
    EXPECT_FALSE(S(b).lefts[0].still_member);
    EXPECT_TRUE(S(a).lefts.empty());
    EXPECT_TRUE(S(cl).lefts.empty());
    // The target may come back.
    clear();
    EXPECT_EQ(join(b, "#x"), r);
    EXPECT_FALSE(chat_is_operator(b, r));
    EXPECT_EQ(kinds(a, CHAT_JOIN).size(), 1u);
}

TEST_F(ChatTest, OpAndDeopEvents)
{
    chat_user *a = add("alice"), *b = add("bob"), *cl = add("carol");
    chat_room *r = join(a, "#x");
    join(b, "#x");
    join(cl, "#x");
    clear();
    EXPECT_EQ(chat_set_operator(c, b, r, cl, true), CHAT_ERR_NOT_OPERATOR);
    EXPECT_EQ(total(), 0u);
    ASSERT_EQ(chat_set_operator(c, a, r, b, true), CHAT_OK);
    EXPECT_TRUE(chat_is_operator(b, r));
    for (chat_user *u : {a, b, cl}) {
        ASSERT_EQ(evs(u).size(), 1u);
        EXPECT_EQ(evs(u)[0].kind, CHAT_OP);
        EXPECT_EQ(evs(u)[0].actor, a);
        EXPECT_EQ(evs(u)[0].actor_name, "alice");
        EXPECT_EQ(evs(u)[0].target_name, "bob");
    }
    clear();
    EXPECT_EQ(chat_set_operator(c, a, r, b, true), CHAT_OK);
    EXPECT_EQ(total(), 0u) << "already an operator: nothing to tell";
    ASSERT_EQ(chat_set_operator(c, b, r, a, false), CHAT_OK);
    EXPECT_FALSE(chat_is_operator(a, r));
    EXPECT_TRUE(chat_is_operator(b, r));
    for (chat_user *u : {a, b, cl}) {
        ASSERT_EQ(evs(u).size(), 1u) << "no automatic OP: bob is still an operator";
        EXPECT_EQ(evs(u)[0].kind, CHAT_DEOP);
        EXPECT_EQ(evs(u)[0].actor_name, "bob");
        EXPECT_EQ(evs(u)[0].target_name, "alice");
    }
    clear();
    chat_user *out = add("outsider");
    EXPECT_EQ(chat_set_operator(c, out, r, a, true), CHAT_ERR_NOT_MEMBER);
    EXPECT_EQ(chat_set_operator(c, b, r, out, true), CHAT_ERR_TARGET_NOT_MEMBER);
    EXPECT_EQ(chat_set_operator(c, a, r, cl, true), CHAT_ERR_NOT_OPERATOR) << "alice was deopped";
    EXPECT_EQ(total(), 0u);
}

// The automatic hand-over: the event after the departure, actor NULL, to the
// remaining members, naming the longest-present one.
void expect_auto_op(const std::vector<Ev> &evs, size_t from, const chat_room *r, const char *target)
{
    ASSERT_GT(evs.size(), from);
    const Ev &e = evs[from];
    EXPECT_EQ(e.kind, CHAT_OP);
    EXPECT_EQ(e.actor, nullptr);
    EXPECT_EQ(e.actor_name, NIL);
    EXPECT_EQ(e.target_name, target);
    EXPECT_EQ(e.room, r);
}

TEST_F(ChatTest, LastOperatorPartingHandsOnToLongestPresent)
{
    chat_user *a = add("alice"), *b = add("bob"), *cl = add("carol");
    chat_room *r = join(a, "#x");
    join(b, "#x");
    join(cl, "#x");
    clear();
    ASSERT_EQ(part(a, r), CHAT_OK);
    for (chat_user *u : {b, cl}) {
        ASSERT_EQ(evs(u).size(), 2u) << chat_user_name(u);
        EXPECT_EQ(evs(u)[0].kind, CHAT_PART);
        expect_auto_op(evs(u), 1, r, "bob");
        EXPECT_GT(evs(u)[1].seq, evs(u)[0].seq);
    }
    EXPECT_EQ(kinds(a, CHAT_OP).size(), 0u) << "the leaver is gone already";
    EXPECT_TRUE(chat_is_operator(b, r));
    EXPECT_FALSE(chat_is_operator(cl, r));
}

TEST_F(ChatTest, LastOperatorQuittingHandsOn)
{
    chat_user *a = add("alice"), *b = add("bob"), *cl = add("carol");
    chat_room *r = join(a, "#x");
    join(b, "#x");
    join(cl, "#x");
    chat_room *r2 = join(cl, "#y");
    join(a, "#y"); // carol is operator in #y: no hand-over there
    clear();
    quit(a);
    for (chat_user *u : {b, cl}) {
        ASSERT_GE(evs(u).size(), 2u) << chat_user_name(u);
        EXPECT_EQ(evs(u)[0].kind, CHAT_QUIT);
        expect_auto_op(evs(u), 1, r, "bob");
    }
    EXPECT_EQ(evs(b).size(), 2u);
    EXPECT_EQ(evs(cl).size(), 2u);
    EXPECT_TRUE(chat_is_operator(b, r));
    EXPECT_TRUE(chat_is_operator(cl, r2));
}

TEST_F(ChatTest, LastOperatorKickingThemselvesHandsOn)
{
    chat_user *a = add("alice"), *b = add("bob");
    chat_room *r = join(a, "#x");
    join(b, "#x");
    clear();
    ASSERT_EQ(kick(a, r, a, "bye me"), CHAT_OK);
    ASSERT_EQ(evs(b).size(), 2u);
    EXPECT_EQ(evs(b)[0].kind, CHAT_KICK);
    expect_auto_op(evs(b), 1, r, "bob");
    ASSERT_EQ(S(a).lefts.size(), 1u);
    EXPECT_EQ(chat_membership(a, r), nullptr);
    EXPECT_TRUE(chat_is_operator(b, r));
}

TEST_F(ChatTest, LastOperatorDeoppingThemselvesHandsOn)
{
    chat_user *a = add("alice"), *b = add("bob"), *cl = add("carol");
    chat_room *r = join(a, "#x");
    join(b, "#x");
    join(cl, "#x");
    clear();
    ASSERT_EQ(chat_set_operator(c, a, r, a, false), CHAT_OK);
    for (chat_user *u : {a, b, cl}) {
        ASSERT_EQ(evs(u).size(), 2u) << chat_user_name(u);
        EXPECT_EQ(evs(u)[0].kind, CHAT_DEOP);
        EXPECT_EQ(evs(u)[0].target_name, "alice");
        expect_auto_op(evs(u), 1, r, "bob"); // not alice again
    }
    EXPECT_FALSE(chat_is_operator(a, r));
    EXPECT_TRUE(chat_is_operator(b, r));
}

TEST_F(ChatTest, HandOverGoesToLongestPresentNotCreatorOrder)
{
    chat_user *a = add("alice"), *b = add("bob"), *cl = add("carol"), *d = add("dave");
    chat_room *r = join(b, "#x");
    join(cl, "#x");
    join(a, "#x");
    join(d, "#x");
    ASSERT_EQ(part(cl, r), CHAT_OK);
    join(cl, "#x"); // carol is now the newest
    EXPECT_EQ(members(r), (std::vector<std::string>{"bob", "alice", "dave", "carol"}));
    clear();
    ASSERT_EQ(part(b, r), CHAT_OK);
    expect_auto_op(evs(d), 1, r, "alice");
    EXPECT_TRUE(chat_is_operator(a, r));
}

TEST_F(ChatTest, NoHandOverWhileAnotherOperatorRemains)
{
    chat_user *a = add("alice"), *b = add("bob"), *cl = add("carol");
    chat_room *r = join(a, "#x");
    join(b, "#x");
    join(cl, "#x");
    ASSERT_EQ(chat_set_operator(c, a, r, cl, true), CHAT_OK);
    clear();
    ASSERT_EQ(part(a, r), CHAT_OK);
    EXPECT_EQ(kinds(b, CHAT_OP).size(), 0u);
    EXPECT_FALSE(chat_is_operator(b, r));
    EXPECT_TRUE(chat_is_operator(cl, r));
    // The operator count stayed right: when carol goes, bob gets it.
    clear();
    ASSERT_EQ(part(cl, r), CHAT_OK);
    expect_auto_op(evs(b), 1, r, "bob");
}

TEST_F(ChatTest, OnlyMemberKeepsOperatorStatus)
{
    chat_user *a = add("alice"), *b = add("bob");
    chat_room *r = join(a, "#x");
    clear();
    chat_set_operator(c, a, r, a, false);
    EXPECT_TRUE(chat_is_operator(a, r));
    EXPECT_TRUE(kinds(a, CHAT_DEOP).empty()) << "no DEOP for a change that did not happen";
    // Still counted as the operator: she can kick, and parting hands over.
    join(b, "#x");
    EXPECT_FALSE(chat_is_operator(b, r));
    EXPECT_EQ(kick(a, r, b), CHAT_OK);
    join(b, "#x");
    clear();
    ASSERT_EQ(part(a, r), CHAT_OK);
    expect_auto_op(evs(b), 1, r, "bob");
}

TEST_F(ChatTest, MembersInJoinOrderAndRoomsInJoinOrder)
{
    chat_user *a = add("alice"), *b = add("bob"), *cl = add("carol");
    chat_room *r = join(cl, "#x");
    join(a, "#x");
    join(b, "#x");
    EXPECT_EQ(members(r), (std::vector<std::string>{"carol", "alice", "bob"}));
    ASSERT_EQ(part(a, r), CHAT_OK);
    join(a, "#x");
    EXPECT_EQ(members(r), (std::vector<std::string>{"carol", "bob", "alice"}));
    EXPECT_EQ(chat_room_member_count(r), 3u);

    join(a, "#b");
    join(a, "#a");
    EXPECT_EQ(rooms_of(a), (std::vector<std::string>{"#x", "#b", "#a"}));
    EXPECT_STREQ(chat_room_name(chat_member_room(chat_user_rooms_last(a))), "#a");
    EXPECT_EQ(chat_member_user(chat_user_rooms_last(a)), a);
    ASSERT_EQ(part(a, find_room("#a")), CHAT_OK);
    EXPECT_STREQ(chat_room_name(chat_member_room(chat_user_rooms_last(a))), "#b");
    EXPECT_EQ(chat_user_room_count(a), 2u);
    EXPECT_TRUE(chat_member_is_operator(chat_user_rooms(cl)));
    EXPECT_FALSE(chat_member_is_operator(chat_user_rooms(a)));
}

// ---- ordering ----------------------------------------------------------

// Random says, actions, topics, joins, parts and kicks by several users in
// one room (with noise in another). u0 never leaves #a, so its list is the
// room's full story; every other user must have seen exactly the part of it
// from each of their JOINs to their PART or KICK, in the same order.
TEST_F(ChatTest, AllMembersSeeARoomsEventsInTheSameOrder)
{
    std::vector<chat_user *> us;
    for (int i = 0; i < 6; i++)
        us.push_back(add("u" + std::to_string(i)));
    chat_room *ra = join(us[0], "#a");
    chat_room *rb = join(us[0], "#b");
    std::mt19937 rng(2024);
    for (int step = 0; step < 2000; step++) {
        chat_user *u = us[rng() % us.size()];
        bool in = chat_membership(u, ra) != nullptr;
        std::string text = "m" + std::to_string(step);
        now += rng() % 2;
        switch (rng() % 6) {
        case 0:
            if (!in)
                join(u, "#a");
            else
                say(u, ra, text);
            break;
        case 1:
            if (in && u != us[0]) {
                ASSERT_EQ(part(u, ra, text), CHAT_OK);
            }
            else if (in)
                say(u, ra, text, true);
            break;
        case 2: {
            chat_user *t = us[rng() % us.size()];
            if (t != us[0] && chat_membership(t, ra)) {
                ASSERT_EQ(kick(us[0], ra, t, text), CHAT_OK);
            }
            break;
        }
        case 3:
            if (in && chat_is_operator(u, ra)) {
                ASSERT_EQ(topic(u, ra, text), CHAT_OK);
            }
            break;
        case 4:
            if (!chat_membership(u, rb))
                join(u, "#b");
            else
                say(u, rb, text);
            break;
        default:
            if (in)
                say(u, ra, text);
        }
    }
    auto in_a = [](const Session &s) {
        std::vector<Ev> out;
        for (const Ev &e : s.evs)
            if (e.room_name == "#a")
                out.push_back(e);
        return out;
    };
    std::vector<Ev> ref = in_a(S(us[0]));
    ASSERT_GT(ref.size(), 300u);
    for (size_t i = 1; i < ref.size(); i++) {
        ASSERT_LT(ref[i - 1].seq, ref[i].seq);
    }
    for (size_t k = 1; k < us.size(); k++) {
        const std::string name = chat_user_name(us[k]);
        std::vector<std::string> want, got;
        bool member = false;
        for (const Ev &e : ref) {
            if (e.kind == CHAT_JOIN && e.actor_name == name)
                member = true;
            if (member)
                want.push_back(describe(e));
            if ((e.kind == CHAT_PART && e.actor_name == name) ||
                (e.kind == CHAT_KICK && e.target_name == name))
                member = false;
        }
        for (const Ev &e : in_a(S(us[k])))
            got.push_back(describe(e));
        EXPECT_EQ(got, want) << name;
    }
}

// ---- shutdown, events, destroy ------------------------------------------

TEST_F(ChatTest, ShutdownSilencesDepartures)
{
    chat_user *a = add("alice"), *b = add("bob");
    chat_room *r = join(a, "#x");
    join(b, "#x");
    EXPECT_FALSE(chat_is_shutting_down(c));
    chat_shutdown(c);
    EXPECT_TRUE(chat_is_shutting_down(c));
    clear();
    logs.clear();
    quit(a, "server shutting down");
    EXPECT_EQ(total(), 0u) << "no QUIT and no automatic OP";
    EXPECT_EQ(chat_user_count(c), 1u);
    EXPECT_EQ(members(r), std::vector<std::string>{"bob"});
    EXPECT_TRUE(chat_is_operator(b, r)) << "the room still has an operator";
    bool logged = false;
    for (const auto &l : logs)
        logged = logged || l.second.find("alice") != std::string::npos;
    EXPECT_TRUE(logged) << "departures are still logged";
    quit(b, "server shutting down");
    EXPECT_EQ(total(), 0u);
    EXPECT_EQ(chat_user_count(c), 0u);
}

TEST_F(ChatTest, EventSeqStrictlyIncreasingAcrossEverything)
{
    chat_user *a = add("alice"), *b = add("bob"), *cl = add("carol");
    chat_room *r = join(a, "#x");
    join(b, "#x");
    join(cl, "#x");
    join(b, "#y");
    join(cl, "#y");
    say(a, r, "1");
    say(b, r, "2", true);
    ASSERT_EQ(topic(a, r, "t"), CHAT_OK);
    ASSERT_EQ(chat_private(c, b, cl, "p", 1), CHAT_OK);
    ASSERT_EQ(chat_user_rename(c, b, "bobby", 5), CHAT_OK);
    ASSERT_EQ(chat_set_operator(c, a, r, cl, true), CHAT_OK);
    ASSERT_EQ(chat_set_operator(c, a, r, cl, false), CHAT_OK);
    ASSERT_EQ(kick(a, r, cl, "k"), CHAT_OK);
    ASSERT_EQ(part(a, r, "p"), CHAT_OK);
    quit(b, "quit", "q");
    // One contiguous block of deliveries per event, seq rising by event.
    ASSERT_FALSE(deliveries.empty());
    std::vector<uint64_t> seqs;
    for (const auto &d : deliveries)
        if (seqs.empty() || seqs.back() != d.first)
            seqs.push_back(d.first);
    for (size_t i = 1; i < seqs.size(); i++) {
        EXPECT_LT(seqs[i - 1], seqs[i]);
    }
    EXPECT_GE(seqs.size(), 15u);
}

TEST_F(ChatTest, EventTimeIsTheClock)
{
    chat_user *a = add("alice");
    now = 777;
    chat_room *r = join(a, "#x");
    EXPECT_EQ(chat_now(c), 777);
    EXPECT_EQ(evs(a).back().time, 777);
    now = 778;
    say(a, r, "x");
    EXPECT_EQ(evs(a).back().time, 778);
}

TEST_F(ChatTest, DestroyWithUsersAndRoomsFreesEverythingSilently)
{
    std::vector<chat_user *> us;
    for (int i = 0; i < 50; i++)
        us.push_back(add("user" + std::to_string(i)));
    for (int i = 0; i < 50; i++)
        for (int k = 0; k < 5; k++) {
            chat_room *r = join(us[static_cast<size_t>(i)], "#room" + std::to_string((i + k * 7) % 20));
            say(us[static_cast<size_t>(i)], r, std::string(100, 'z'));
            if (chat_is_operator(us[static_cast<size_t>(i)], r)) {
                ASSERT_EQ(topic(us[static_cast<size_t>(i)], r, "topic"), CHAT_OK);
            }
        }
    ASSERT_EQ(part(us[0], find_room("#room0")), CHAT_OK); // and one emptied room
    join(us[0], "#empty");
    ASSERT_EQ(part(us[0], find_room("#empty")), CHAT_OK);
    ASSERT_EQ(chat_user_rename(c, us[1], "renamed", 7), CHAT_OK);
    clear();
    chat_destroy(c); // LeakSanitizer checks the rest
    c = nullptr;
    EXPECT_EQ(total(), 0u) << "destroy delivers nothing";
    for (const Session &s : sessions) {
        EXPECT_TRUE(s.lefts.empty());
    }
}

} // namespace
