// The cluster's Redis link (core/redis_link.h) against a real redis-server
// that each test starts on a free loopback port: messages in one order for
// every node, commands and replies, a Redis that is down at the start, dies
// and comes back, is slow, wants a password or never answers. The link is
// driven here by a small select() loop like the server's.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "support/redis_server.h"
#include "support/test_socket.h"

extern "C" {
#include "core/redis_link.h"
#include "platform/clock.h"
#include "platform/net.h"
#include "platform/poll.h"
}

namespace {

constexpr int kWait = 10000;

// What one link reported.
struct Events {
    int ups = 0, downs = 0;
    std::string last_down;
    std::vector<std::string> messages, logs;

    size_t logs_with(const std::string &needle) const {
        return static_cast<size_t>(std::count_if(logs.begin(), logs.end(), [&](const std::string &l) {
            return l.find(needle) != std::string::npos;
        }));
    }
};

void on_up(void *ctx) { static_cast<Events *>(ctx)->ups++; }
void on_down(void *ctx, const char *why) {
    auto *e = static_cast<Events *>(ctx);
    e->downs++;
    e->last_down = why;
}
void on_message(void *ctx, const char *data, size_t len) {
    static_cast<Events *>(ctx)->messages.emplace_back(data, len);
}
void on_log(void *ctx, const char *line) { static_cast<Events *>(ctx)->logs.emplace_back(line); }

struct Link {
    Events ev;
    redis_link *link = nullptr;
    ~Link() { redis_link_destroy(link); }
};

class RedisLink : public testing::Test {
protected:
    void SetUp() override {
        ASSERT_EQ(0, net_init());
        poll_ = net_poll_create();
        ASSERT_NE(nullptr, poll_);
    }
    void TearDown() override {
        links_.clear();
        net_poll_destroy(poll_);
        net_cleanup();
    }

    void start_redis(const std::vector<std::string> &extra = {}, int port = 0) {
        redis_ = std::make_unique<RedisServer>();
        std::string err;
        ASSERT_TRUE(redis_->start(&err, extra, port)) << err;
    }

    // A link to port (default: our Redis) with cfg's other fields as given.
    Link &add_link(redis_link_config cfg = {}, int port = 0) {
        links_.push_back(std::make_unique<Link>());
        Link &l = *links_.back();
        cfg.address = "127.0.0.1";
        cfg.port = port ? port : redis_->port();
        if (!cfg.channel) cfg.channel = "natter-test";
        redis_link_handler h = {&l.ev, on_up, on_down, on_message, on_log};
        char err[256] = "";
        l.link = redis_link_create(&cfg, &h, clock_monotonic_ms(), err, sizeof err);
        EXPECT_NE(nullptr, l.link) << err;
        return l;
    }

    // Run every link's loop until done() or timeout_ms; true if done.
    bool run_until(const std::function<bool()> &done, int timeout_ms = kWait) {
        const uint64_t deadline = clock_monotonic_ms() + static_cast<uint64_t>(timeout_ms);
        while (!done()) {
            uint64_t now = clock_monotonic_ms();
            if (now >= deadline) return false;
            uint64_t wake = std::min<uint64_t>(deadline, now + 50);
            net_poll_clear(poll_);
            for (auto &l : links_) {
                redis_link_add_to_poll(l->link, poll_);
                wake = std::min(wake, redis_link_next_deadline(l->link));
            }
            net_poll_wait(poll_, wake > now ? static_cast<long>(wake - now) : 0);
            now = clock_monotonic_ms();
            for (auto &l : links_) redis_link_service(l->link, poll_, now);
        }
        return true;
    }
    bool wait_up(Link &l) {
        return run_until([&] { return redis_link_is_up(l.link); });
    }

    net_poll *poll_ = nullptr;
    std::unique_ptr<RedisServer> redis_;
    std::vector<std::unique_ptr<Link>> links_;
};

// One command's reply, kept for the test to look at.
struct Reply {
    bool done = false;
    redis_link_reply_type type = REDIS_LINK_LOST;
    long long integer = 0;
    std::string str;
};
void on_reply(void *ctx, const redis_link_reply *r) {
    auto *out = static_cast<Reply *>(ctx);
    out->done = true;
    out->type = r->type;
    out->integer = r->integer;
    if (r->str) out->str.assign(r->str, r->len);
}

int command(redis_link *l, Reply *out, std::vector<std::string> words) {
    std::vector<const char *> argv;
    std::vector<size_t> lens;
    for (auto &w : words) {
        argv.push_back(w.c_str());
        lens.push_back(w.size());
    }
    return redis_link_command(l, on_reply, out, static_cast<int>(words.size()), argv.data(),
                              lens.data());
}

}  // namespace

TEST_F(RedisLink, ComesUpAndAPublishedMessageComesBack) {
    start_redis();
    Link &a = add_link();
    ASSERT_TRUE(wait_up(a)) << (a.ev.logs.empty() ? "" : a.ev.logs.back());
    EXPECT_EQ(1, a.ev.ups);
    EXPECT_EQ(1u, a.ev.logs_with("cluster: linked to Redis at 127.0.0.1:"));
    ASSERT_EQ(0, redis_link_publish(a.link, "hello\0world", 11));
    ASSERT_TRUE(run_until([&] { return !a.ev.messages.empty(); }));
    EXPECT_EQ(std::string("hello\0world", 11), a.ev.messages[0]);
    EXPECT_EQ(0, a.ev.downs);
}

// Two nodes talking at once: both see every message, in the same order.
TEST_F(RedisLink, TwoLinksSeeEveryMessageInOneOrder) {
    start_redis();
    Link &a = add_link();
    Link &b = add_link();
    ASSERT_TRUE(run_until([&] { return redis_link_is_up(a.link) && redis_link_is_up(b.link); }));
    constexpr int kEach = 200;
    for (int i = 0; i < kEach; i++) {
        ASSERT_EQ(0, redis_link_publish(a.link, ("a" + std::to_string(i)).c_str(),
                                        ("a" + std::to_string(i)).size()));
        ASSERT_EQ(0, redis_link_publish(b.link, ("b" + std::to_string(i)).c_str(),
                                        ("b" + std::to_string(i)).size()));
        if (i % 20 == 0) run_until([] { return false; }, 1);  // let some go out between
    }
    ASSERT_TRUE(run_until([&] {
        return a.ev.messages.size() == 2 * kEach && b.ev.messages.size() == 2 * kEach;
    })) << a.ev.messages.size() << " and " << b.ev.messages.size();
    EXPECT_EQ(a.ev.messages, b.ev.messages);
    // Each sender's own messages stay in the order it sent them.
    int next_a = 0, next_b = 0;
    for (const auto &m : a.ev.messages) {
        if (m[0] == 'a') EXPECT_EQ("a" + std::to_string(next_a++), m);
        else EXPECT_EQ("b" + std::to_string(next_b++), m);
    }
}

TEST_F(RedisLink, CommandsGetTheirReplies) {
    start_redis();
    Link &a = add_link();
    ASSERT_TRUE(wait_up(a));
    Reply set1, set2, get, incr, bad;
    ASSERT_EQ(0, command(a.link, &set1, {"SET", "natter:name:alice", "node-a", "NX"}));
    ASSERT_EQ(0, command(a.link, &set2, {"SET", "natter:name:alice", "node-b", "NX"}));
    ASSERT_EQ(0, command(a.link, &get, {"GET", "natter:name:alice"}));
    ASSERT_EQ(0, command(a.link, &incr, {"INCR", "natter:seq"}));
    ASSERT_EQ(0, command(a.link, &bad, {"NOSUCHCOMMAND"}));
    ASSERT_TRUE(run_until([&] { return bad.done; }));
    EXPECT_EQ(REDIS_LINK_STRING, set1.type);
    EXPECT_EQ("OK", set1.str);
    EXPECT_EQ(REDIS_LINK_NIL, set2.type);  // the name was taken: exactly one gets it
    EXPECT_EQ("node-a", get.str);
    EXPECT_EQ(REDIS_LINK_INTEGER, incr.type);
    EXPECT_EQ(1, incr.integer);
    EXPECT_EQ(REDIS_LINK_ERROR, bad.type);
    EXPECT_NE(std::string::npos, bad.str.find("unknown command")) << bad.str;
}

// The node starts although Redis does not answer yet, says so once, and
// links by itself when Redis appears.
TEST_F(RedisLink, RedisDownAtStartIsRetriedUntilItComes) {
    const int port = unused_loopback_port();
    ASSERT_GT(port, 0);
    redis_link_config cfg = {};
    cfg.retry_max_ms = 300;
    Link &a = add_link(cfg, port);
    ASSERT_TRUE(run_until([&] { return a.ev.logs_with("cannot link to Redis") > 0; }));
    EXPECT_FALSE(redis_link_is_up(a.link));
    EXPECT_EQ(-1, redis_link_publish(a.link, "x", 1));
    // Several attempts fail meanwhile; the log has said it once.
    run_until([] { return false; }, 800);
    EXPECT_EQ(1u, a.ev.logs_with("cannot link to Redis"));
    start_redis({}, port);
    ASSERT_TRUE(wait_up(a));
    EXPECT_EQ(1, a.ev.ups);
    EXPECT_EQ(0, a.ev.downs);  // it was never up, so it was never lost
}

// Redis dies mid-chat: one down event, publishing fails at once (nothing
// blocks), pending commands hear the link is lost, and the link comes back
// by itself when Redis does.
TEST_F(RedisLink, RedisKilledAndRestartedIsOneDownThenUpAgain) {
    start_redis();
    const int port = redis_->port();
    redis_link_config cfg = {};
    cfg.retry_max_ms = 300;
    Link &a = add_link(cfg);
    ASSERT_TRUE(wait_up(a));
    Reply blocked;
    ASSERT_EQ(0, command(a.link, &blocked, {"BLPOP", "natter:never", "0"}));
    run_until([] { return false; }, 50);
    redis_->kill();
    ASSERT_TRUE(run_until([&] { return a.ev.downs == 1; }));
    EXPECT_TRUE(blocked.done);
    EXPECT_EQ(REDIS_LINK_LOST, blocked.type);
    EXPECT_EQ(-1, redis_link_publish(a.link, "x", 1));
    EXPECT_EQ(1u, a.ev.logs_with("cluster: lost the link to Redis at 127.0.0.1:"));
    run_until([] { return false; }, 700);
    EXPECT_EQ(1, a.ev.downs);
    start_redis({}, port);
    ASSERT_TRUE(run_until([&] { return a.ev.ups == 2; }));
    ASSERT_EQ(0, redis_link_publish(a.link, "back", 4));
    ASSERT_TRUE(run_until([&] { return !a.ev.messages.empty(); }));
    EXPECT_EQ("back", a.ev.messages.back());
}

TEST_F(RedisLink, PasswordIsSentAndAWrongOneIsSaid) {
    start_redis({"--requirepass", "s3cret"});
    redis_link_config good = {};
    good.password = "s3cret";
    Link &a = add_link(good);
    ASSERT_TRUE(wait_up(a)) << (a.ev.logs.empty() ? "" : a.ev.logs.back());

    redis_link_config wrong = {};
    wrong.password = "guess";
    Link &b = add_link(wrong);
    Link &c = add_link();  // none at all
    ASSERT_TRUE(run_until([&] {
        return b.ev.logs_with("cannot link to Redis") > 0 && c.ev.logs_with("cannot link to Redis") > 0;
    }));
    EXPECT_EQ(1u, b.ev.logs_with("Redis refused the password")) << b.ev.logs[0];
    EXPECT_EQ(1u, c.ev.logs_with("NOAUTH")) << c.ev.logs[0];
    EXPECT_FALSE(redis_link_is_up(b.link));
    EXPECT_FALSE(redis_link_is_up(c.link));
}

TEST_F(RedisLink, TheDatabaseNumberIsSelected) {
    start_redis();
    redis_link_config three = {};
    three.db = 3;
    Link &a = add_link(three);
    Link &b = add_link();
    ASSERT_TRUE(run_until([&] { return redis_link_is_up(a.link) && redis_link_is_up(b.link); }));
    Reply set, in_three, in_zero;
    ASSERT_EQ(0, command(a.link, &set, {"SET", "natter:k", "v"}));
    ASSERT_EQ(0, command(a.link, &in_three, {"GET", "natter:k"}));
    ASSERT_EQ(0, command(b.link, &in_zero, {"GET", "natter:k"}));
    ASSERT_TRUE(run_until([&] { return in_three.done && in_zero.done; }));
    EXPECT_EQ("v", in_three.str);
    EXPECT_EQ(REDIS_LINK_NIL, in_zero.type);
}

// A Redis that stops reading: output is bounded; past the bound the link
// is dropped (and said why) instead of growing, and comes back when Redis
// does.
TEST_F(RedisLink, ASlowRedisDropsTheLinkInsteadOfGrowingWithoutLimit) {
    start_redis({"--enable-debug-command", "yes"});
    redis_link_config cfg = {};
    cfg.max_pending = 64 * 1024;
    cfg.retry_max_ms = 300;
    Link &a = add_link(cfg);
    Link &other = add_link();
    ASSERT_TRUE(run_until([&] { return redis_link_is_up(a.link) && redis_link_is_up(other.link); }));
    Reply slept;
    ASSERT_EQ(0, command(other.link, &slept, {"DEBUG", "SLEEP", "3"}));
    run_until([] { return false; }, 100);
    const std::string text(1000, 'x');
    int refused = 0;
    for (int i = 0; i < 100000 && refused == 0; i++) {
        if (redis_link_publish(a.link, text.data(), text.size()) != 0) refused++;
        if (i % 100 == 0) run_until([] { return false; }, 1);
    }
    EXPECT_EQ(1, refused);
    ASSERT_TRUE(run_until([&] { return a.ev.downs == 1; }));
    EXPECT_NE(std::string::npos, a.ev.last_down.find("Redis is not keeping up")) << a.ev.last_down;
    ASSERT_TRUE(run_until([&] { return a.ev.ups == 2; }, 15000));
}

// The bound counts what Redis has not taken, not what one pass queued: a
// healthy Redis absorbs bursts far bigger than max_pending.
TEST_F(RedisLink, BurstsToAnAwakeRedisStayWithinTheBound) {
    start_redis();
    redis_link_config cfg = {};
    cfg.max_pending = 64 * 1024;
    Link &a = add_link(cfg);
    ASSERT_TRUE(wait_up(a));
    const std::string text(1000, 'y');
    for (int i = 0; i < 3000; i++) {
        ASSERT_EQ(0, redis_link_publish(a.link, text.data(), text.size())) << "message " << i;
        if (i % 200 == 199) run_until([] { return false; }, 5);  // 200 KB a pass
    }
    ASSERT_TRUE(run_until([&] { return a.ev.messages.size() == 3000; })) << a.ev.messages.size();
    EXPECT_EQ(0, a.ev.downs);
}

// A Redis that is frozen (here: DEBUG SLEEP from another client) but whose
// TCP is fine: the heartbeat notices, the link is dropped, and it comes back.
TEST_F(RedisLink, AFrozenRedisIsNoticedByTheHeartbeat) {
    start_redis({"--enable-debug-command", "yes"});
    redis_link_config cfg = {};
    cfg.connect_timeout_ms = 400;
    cfg.retry_max_ms = 300;
    Link &a = add_link(cfg);
    Link &other = add_link();
    ASSERT_TRUE(run_until([&] { return redis_link_is_up(a.link) && redis_link_is_up(other.link); }));
    Reply slept;
    ASSERT_EQ(0, command(other.link, &slept, {"DEBUG", "SLEEP", "2.5"}));
    ASSERT_TRUE(run_until([&] { return a.ev.downs == 1; }, 5000));
    EXPECT_EQ("no answer from Redis within 0.4 s", a.ev.last_down);
    ASSERT_TRUE(run_until([&] { return a.ev.ups == 2; }, kWait));
}

// Subscribing commands would keep their callback for ever: refused.
TEST_F(RedisLink, SubscribingCommandsAreRefused) {
    start_redis();
    Link &a = add_link();
    ASSERT_TRUE(wait_up(a));
    Reply r;
    EXPECT_EQ(-1, command(a.link, &r, {"SUBSCRIBE", "other"}));
    EXPECT_EQ(-1, command(a.link, &r, {"psubscribe", "o*"}));
    EXPECT_EQ(-1, command(a.link, &r, {"Monitor"}));
    EXPECT_EQ(0, command(a.link, &r, {"SUBSCRIBERS"}));  // not one of them
    ASSERT_TRUE(run_until([&] { return r.done; }));
    EXPECT_TRUE(redis_link_is_up(a.link));
}

// A handler may destroy its own link (a server shutting down on a message):
// the link is freed once the service call returns, never under it.
TEST_F(RedisLink, AHandlerMayDestroyItsOwnLink) {
    start_redis();
    Link &a = add_link();
    ASSERT_TRUE(wait_up(a));
    struct Ctx {
        redis_link *link;
        int messages = 0;
    } ctx{a.link};
    redis_link_handler h = {&ctx, nullptr, nullptr,
                            [](void *c, const char *, size_t) {
                                auto *x = static_cast<Ctx *>(c);
                                x->messages++;
                                redis_link_destroy(x->link);
                            },
                            nullptr};
    redis_link_config cfg = {};
    cfg.address = "127.0.0.1";
    cfg.port = redis_->port();
    cfg.channel = "natter-test";
    char err[256] = "";
    ctx.link = redis_link_create(&cfg, &h, clock_monotonic_ms(), err, sizeof err);
    ASSERT_NE(nullptr, ctx.link) << err;
    // Drive the self-destroying link by hand until its first message.
    bool published = false;
    const uint64_t deadline = clock_monotonic_ms() + kWait;
    while (ctx.messages == 0 && clock_monotonic_ms() < deadline) {
        if (!published && redis_link_is_up(ctx.link))
            published = redis_link_publish(ctx.link, "bye", 3) == 0;
        net_poll_clear(poll_);
        redis_link_add_to_poll(ctx.link, poll_);
        net_poll_wait(poll_, 20);
        redis_link_service(ctx.link, poll_, clock_monotonic_ms());
    }
    EXPECT_EQ(1, ctx.messages);  // and ASan (the sanitize preset) sees no use after free
}

// Something that accepts the connection and never answers: the attempt is
// given up after the connect timeout, not waited on for ever.
TEST_F(RedisLink, AServerThatNeverAnswersTimesOut) {
    net_socket listener[1];
    char err[256] = "";
    ASSERT_EQ(1, net_listen("127.0.0.1", "0", listener, 1, err, sizeof err)) << err;
    const int port = net_local_port(listener[0]);
    redis_link_config cfg = {};
    cfg.connect_timeout_ms = 300;
    Link &a = add_link(cfg, port);
    ASSERT_TRUE(run_until([&] { return a.ev.logs_with("cannot link to Redis") > 0; }, 5000));
    EXPECT_EQ(1u, a.ev.logs_with("no answer within 0.3 s")) << a.ev.logs[0];
    net_close(listener[0]);
}
