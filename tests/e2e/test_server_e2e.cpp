// End-to-end tests of natter's server: a real server on an ephemeral
// 127.0.0.1 port (in a thread of this process) and real TCP clients. Every
// wait has a deadline, so a dead or silent server fails the test.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "support/test_client.h"
#include "support/test_server.h"

extern "C" {
#include "platform/tls.h"
#include "platform/clock.h"
}

namespace {

// Chat lines (timestamp stripped) that a client receives, until `count` of
// them have arrived or the deadline passes.
std::vector<std::string> read_chat_lines(TestClient &c, size_t count, int timeout_ms = 10000) {
    std::vector<std::string> out;
    uint64_t deadline = clock_monotonic_ms() + static_cast<uint64_t>(timeout_ms);
    while (out.size() < count) {
        uint64_t now = clock_monotonic_ms();
        if (now >= deadline) break;
        auto line = c.read_line(static_cast<int>(deadline - now));
        if (!line) break;
        std::string text = strip_timestamp(*line);
        if (text.rfind("<", 0) == 0) out.push_back(text);
    }
    return out;
}

TEST(ServerE2E, WelcomeNameAndJoin) {
    TestServer server;
    ASSERT_TRUE(server.ok()) << server.error();
    TestClient alice;
    ASSERT_TRUE(alice.connect(server.port()));
    auto welcome = alice.read_line();
    ASSERT_TRUE(welcome);
    EXPECT_EQ(*welcome, "*** Welcome to natter. 0 user(s) online. What is your name?");
    ASSERT_TRUE(alice.send_line("alice"));
    auto you = alice.read_line();
    ASSERT_TRUE(you);
    EXPECT_EQ(*you, "*** You are alice. 1 user(s) online in 1 room(s). Type /help for commands.");
    // Everyone starts in the default room.
    auto joined = alice.read_line();
    ASSERT_TRUE(joined);
    EXPECT_EQ(strip_timestamp(*joined), "*** alice joined");
    EXPECT_NE(*joined, strip_timestamp(*joined)) << "events carry a [HH:MM:SS] stamp";
    EXPECT_EQ(joined->substr(11, 7), "#lobby ") << "room events name their room";
    auto members = alice.read_line();
    ASSERT_TRUE(members);
    EXPECT_EQ(*members, "*** Members of #lobby (1): @alice");
    auto now = alice.read_line();
    ASSERT_TRUE(now);
    EXPECT_EQ(*now, "*** Now talking in #lobby.");

    TestClient bob;
    ASSERT_TRUE(bob.connect(server.port()));
    auto welcome2 = bob.read_line();
    ASSERT_TRUE(welcome2);
    EXPECT_EQ(*welcome2, "*** Welcome to natter. 1 user(s) online. What is your name?");
    ASSERT_TRUE(bob.send_line("ALICE"));
    auto taken = bob.read_line();
    ASSERT_TRUE(taken);
    EXPECT_EQ(taken->rfind("! ", 0), 0u) << *taken;
    ASSERT_TRUE(bob.send_line("bob"));
    ASSERT_TRUE(bob.read_until("*** You are bob."));
    auto seen = alice.read_until("joined");
    ASSERT_TRUE(seen);
    EXPECT_EQ(strip_timestamp(*seen), "*** bob joined");
}

TEST(ServerE2E, TwoClientsSeeIdenticalOrderedTranscripts) {
    TestServer server([](server_config &c) { c.rate = 0; });
    ASSERT_TRUE(server.ok()) << server.error();
    TestClient alice, bob;
    ASSERT_TRUE(alice.join(server.port(), "alice"));
    ASSERT_TRUE(bob.join(server.port(), "bob"));
    const int kEach = 100;
    for (int i = 0; i < kEach; i++) {
        ASSERT_TRUE(alice.send_line("a" + std::to_string(i)));
        ASSERT_TRUE(bob.send_line("b" + std::to_string(i)));
    }
    auto seen_a = read_chat_lines(alice, 2 * kEach);
    auto seen_b = read_chat_lines(bob, 2 * kEach);
    ASSERT_EQ(seen_a.size(), 2u * kEach);
    EXPECT_EQ(seen_a, seen_b);
    // Each sender's own messages arrive in the order sent.
    int next_a = 0, next_b = 0;
    for (const std::string &line : seen_a) {
        if (line.rfind("<alice> ", 0) == 0) {
            EXPECT_EQ(line, "<alice> a" + std::to_string(next_a++));
        } else if (line.rfind("<bob> ", 0) == 0) {
            EXPECT_EQ(line, "<bob> b" + std::to_string(next_b++));
        }
    }
    EXPECT_EQ(next_a, kEach);
    EXPECT_EQ(next_b, kEach);
}

TEST(ServerE2E, ManyClientsSeeIdenticalTranscripts) {
    TestServer server([](server_config &c) { c.rate = 0; });
    ASSERT_TRUE(server.ok()) << server.error();
    const int kClients = 30, kSenders = 5, kMessages = 20;
    std::vector<std::unique_ptr<TestClient>> clients;
    for (int i = 0; i < kClients; i++) {
        clients.push_back(std::make_unique<TestClient>());
        ASSERT_TRUE(clients.back()->join(server.port(), "user" + std::to_string(i)));
    }
    for (int m = 0; m < kMessages; m++)
        for (int s = 0; s < kSenders; s++)
            ASSERT_TRUE(clients[s]->send_line("m" + std::to_string(m)));
    auto reference = read_chat_lines(*clients[0], kSenders * kMessages);
    ASSERT_EQ(reference.size(), static_cast<size_t>(kSenders * kMessages));
    for (int i = 1; i < kClients; i++)
        EXPECT_EQ(read_chat_lines(*clients[i], kSenders * kMessages), reference) << "client " << i;
}

TEST(ServerE2E, LineSplitAcrossManySendsIsFramed) {
    TestServer server;
    ASSERT_TRUE(server.ok()) << server.error();
    TestClient alice, bob;
    ASSERT_TRUE(alice.join(server.port(), "alice"));
    ASSERT_TRUE(bob.join(server.port(), "bob"));
    const std::string text = "hello, 世界, one byte at a time\r\n";
    for (char ch : text) ASSERT_TRUE(alice.send_raw(std::string(1, ch)));
    auto got = read_chat_lines(bob, 1);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0], "<alice> hello, 世界, one byte at a time");
}

TEST(ServerE2E, ManyLinesInOneSendAreFramed) {
    TestServer server;
    ASSERT_TRUE(server.ok()) << server.error();
    TestClient alice, bob;
    ASSERT_TRUE(alice.join(server.port(), "alice"));
    ASSERT_TRUE(bob.join(server.port(), "bob"));
    ASSERT_TRUE(alice.send_raw("one\ntwo\r\n\nthree\n"));
    auto got = read_chat_lines(bob, 3);
    EXPECT_EQ(got, (std::vector<std::string>{"<alice> one", "<alice> two", "<alice> three"}));
}

TEST(ServerE2E, OverlongLineIsRefusedAndTheNextLineWorks) {
    TestServer server;
    ASSERT_TRUE(server.ok()) << server.error();
    TestClient alice, bob;
    ASSERT_TRUE(alice.join(server.port(), "alice"));
    ASSERT_TRUE(bob.join(server.port(), "bob"));
    ASSERT_TRUE(alice.send_line(std::string(1025, 'x')));
    ASSERT_TRUE(alice.send_line(std::string(1024, 'y')));
    ASSERT_TRUE(alice.send_line("after"));
    auto err = alice.read_until("! ");
    ASSERT_TRUE(err);
    EXPECT_EQ(*err, "! Line too long (limit 1024 bytes); not sent.");
    auto got = read_chat_lines(bob, 2);
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0], "<alice> " + std::string(1024, 'y'));
    EXPECT_EQ(got[1], "<alice> after");
}

TEST(ServerE2E, InvalidUtf8AndEscapesAreSanitised) {
    TestServer server;
    ASSERT_TRUE(server.ok()) << server.error();
    TestClient alice, bob;
    ASSERT_TRUE(alice.join(server.port(), "alice"));
    ASSERT_TRUE(bob.join(server.port(), "bob"));
    ASSERT_TRUE(alice.send_line("\xff" "bad \x1b[31mred\x07 [12:00:00] <admin> hi"));
    auto got = read_chat_lines(bob, 1);
    ASSERT_EQ(got.size(), 1u);
    const std::string fffd = "\xEF\xBF\xBD";
    EXPECT_EQ(got[0], "<alice> " + fffd + "bad " + fffd + "[31mred" + fffd + " [12:00:00] <admin> hi");
}

TEST(ServerE2E, NonReadingClientIsDroppedWithoutStallingOthers) {
    TestServer server([](server_config &c) {
        c.rate = 0;
        c.max_queue = 64 * 1024;
    });
    ASSERT_TRUE(server.ok()) << server.error();
    TestClient slow, alice, bob;
    ASSERT_TRUE(slow.connect(server.port()));
    ASSERT_EQ(net_set_buffer_sizes(slow.socket(), 4096, 4096), 0);
    ASSERT_TRUE(slow.read_line());
    ASSERT_TRUE(slow.send_line("slow"));
    ASSERT_TRUE(slow.read_until("*** You are slow."));
    ASSERT_TRUE(alice.join(server.port(), "alice"));
    ASSERT_TRUE(bob.join(server.port(), "bob"));
    // ~8 MB of chat: more than slow's queue plus every socket buffer between
    // it and the server (the kernel may give the server's side megabytes).
    const int kMessages = 8000;
    const std::string pad(1000, 'p');
    int received = 0;
    bool saw_slow_leave = false;
    for (int i = 0; i < kMessages; i++) {
        ASSERT_TRUE(alice.send_line(std::to_string(i) + pad));
        while (alice.read_line(0)) {  // alice reads her echoes too
        }
        // Bob keeps reading as we go, so only slow falls behind.
        while (auto line = bob.read_line(received + 64 < i ? 2000 : 0)) {
            std::string text = strip_timestamp(*line);
            if (text.rfind("<alice> ", 0) == 0) {
                ASSERT_EQ(text, "<alice> " + std::to_string(received) + pad);
                received++;
            } else if (text == "*** slow left (too slow)") {
                saw_slow_leave = true;
            }
            if (received + 64 >= i) break;
        }
    }
    while (received < kMessages) {
        while (alice.read_line(0)) {
        }
        auto line = bob.read_line(10000);
        ASSERT_TRUE(line) << "bob stalled after " << received << " messages";
        std::string text = strip_timestamp(*line);
        if (text == "*** slow left (too slow)") saw_slow_leave = true;
        if (text.rfind("<alice> ", 0) == 0) {
            ASSERT_EQ(text, "<alice> " + std::to_string(received) + pad);
            received++;
        }
    }
    EXPECT_TRUE(saw_slow_leave);
    EXPECT_TRUE(slow.wait_closed(10000));
    EXPECT_TRUE(server.log_contains("too slow"));
}

TEST(ServerE2E, AbruptResetIsSurvived) {
    TestServer server;
    ASSERT_TRUE(server.ok()) << server.error();
    TestClient alice, bob;
    ASSERT_TRUE(alice.join(server.port(), "alice"));
    ASSERT_TRUE(bob.join(server.port(), "bob"));
    ASSERT_TRUE(alice.send_raw("half a li"));
    alice.reset();
    auto left = bob.read_until("left");
    ASSERT_TRUE(left);
    EXPECT_EQ(strip_timestamp(*left), "*** alice left (connection closed)");
    TestClient carol;
    ASSERT_TRUE(carol.join(server.port(), "carol"));
    ASSERT_TRUE(carol.send_line("still here"));
    auto got = read_chat_lines(bob, 1);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0], "<carol> still here");
}

TEST(ServerE2E, QuitSaysByeAndTellsTheOthers) {
    TestServer server;
    ASSERT_TRUE(server.ok()) << server.error();
    TestClient alice, bob;
    ASSERT_TRUE(alice.join(server.port(), "alice"));
    ASSERT_TRUE(bob.join(server.port(), "bob"));
    ASSERT_TRUE(alice.send_line("/quit see you"));
    ASSERT_TRUE(alice.read_until("*** Bye."));
    EXPECT_TRUE(alice.wait_closed());
    auto left = bob.read_until("left");
    ASSERT_TRUE(left);
    EXPECT_EQ(strip_timestamp(*left), "*** alice left (quit: see you)");
}

TEST(ServerE2E, FullServerRefusesWithAMessage) {
    TestServer server([](server_config &c) { c.max_clients = 2; });
    ASSERT_TRUE(server.ok()) << server.error();
    TestClient a, b, c;
    ASSERT_TRUE(a.join(server.port(), "a"));
    ASSERT_TRUE(b.join(server.port(), "b"));
    ASSERT_TRUE(c.connect(server.port()));
    auto line = c.read_line();
    ASSERT_TRUE(line);
    EXPECT_EQ(*line, "! Server full (2 users). Try again later.");
    EXPECT_TRUE(c.wait_closed());
    // The two inside are unaffected.
    ASSERT_TRUE(a.send_line("hi"));
    auto got = read_chat_lines(b, 1);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0], "<a> hi");
}

TEST(ServerE2E, FloodControlDelaysButNeverDrops) {
    TestServer server([](server_config &c) {
        c.rate = 20;
        c.burst = 5;
    });
    ASSERT_TRUE(server.ok()) << server.error();
    TestClient alice, bob;
    ASSERT_TRUE(alice.join(server.port(), "alice"));
    ASSERT_TRUE(bob.join(server.port(), "bob"));
    const int kLines = 25;
    std::string burst;
    for (int i = 0; i < kLines; i++) burst += "f" + std::to_string(i) + "\n";
    uint64_t start = clock_monotonic_ms();
    ASSERT_TRUE(alice.send_raw(burst));
    auto got = read_chat_lines(bob, kLines, 15000);
    uint64_t elapsed = clock_monotonic_ms() - start;
    ASSERT_EQ(got.size(), static_cast<size_t>(kLines));
    for (int i = 0; i < kLines; i++) EXPECT_EQ(got[i], "<alice> f" + std::to_string(i));
    // 5 at once, then 20 more at 20/s: at least ~1 s (a lower bound only).
    EXPECT_GE(elapsed, 900u);
}

TEST(ServerE2E, ShutdownTellsEveryoneAndCloses) {
    TestServer server;
    ASSERT_TRUE(server.ok()) << server.error();
    TestClient alice, nameless;
    ASSERT_TRUE(alice.join(server.port(), "alice"));
    ASSERT_TRUE(nameless.connect(server.port()));
    ASSERT_TRUE(nameless.read_line());
    EXPECT_EQ(server.stop(), 0);
    auto a = alice.read_until("shutting down");
    ASSERT_TRUE(a);
    EXPECT_EQ(*a, "*** Server is shutting down.");
    auto n = nameless.read_until("shutting down");
    ASSERT_TRUE(n);
    EXPECT_TRUE(alice.wait_closed());
    EXPECT_TRUE(nameless.wait_closed());
}

TEST(ServerE2E, PrivateMessagesReachOnlyTheirTarget) {
    TestServer server;
    ASSERT_TRUE(server.ok()) << server.error();
    TestClient alice, bob, carol;
    ASSERT_TRUE(alice.join(server.port(), "alice"));
    ASSERT_TRUE(bob.join(server.port(), "bob"));
    ASSERT_TRUE(carol.join(server.port(), "carol"));
    ASSERT_TRUE(alice.send_line("/msg BOB psst"));
    auto to_bob = bob.read_until("psst");
    ASSERT_TRUE(to_bob);
    EXPECT_EQ(strip_timestamp(*to_bob), "*alice* psst");
    auto echo = alice.read_until("psst");
    ASSERT_TRUE(echo);
    EXPECT_EQ(strip_timestamp(*echo), "-> *bob* psst");
    ASSERT_TRUE(alice.send_line("public"));
    auto next = carol.read_until("<alice>");
    ASSERT_TRUE(next);
    EXPECT_EQ(strip_timestamp(*next), "<alice> public") << "carol must not see the private line";
}

TEST(ServerE2E, BurstWithinOneIterationDoesNotDropReaders) {
    // 20 lines of invalid bytes arrive in one read; sanitised, they are ~60 KB
    // of output for each reader, far over an 8 KB queue limit. Readers that
    // keep up must not be called too slow: the server hands the kernel what
    // it takes before judging.
    TestServer server([](server_config &c) { c.max_queue = 8192; });
    ASSERT_TRUE(server.ok()) << server.error();
    TestClient alice, bob;
    ASSERT_TRUE(alice.join(server.port(), "alice"));
    ASSERT_TRUE(bob.join(server.port(), "bob"));
    std::string burst;
    for (int i = 0; i < 20; i++) burst += std::string(1000, '\xff') + "\n";
    ASSERT_TRUE(alice.send_raw(burst));
    auto got = read_chat_lines(bob, 20);
    EXPECT_EQ(got.size(), 20u);
    ASSERT_TRUE(alice.send_line("still here"));
    auto next = bob.read_until("still here");
    ASSERT_TRUE(next);
    EXPECT_FALSE(server.log_contains("too slow"));
}

}  // namespace

// Asking for TLS is one clear error at start: a build without a TLS server
// side (Windows with Schannel only) says so; one with it checks the files.
TEST(ServerTlsStart, AskingForTlsIsOneClearError) {
    TestServer s([](server_config &c) {
        c.tls_cert = "no-such-cert.pem";
        c.tls_key = "no-such-key.pem";
    });
    ASSERT_FALSE(s.ok());
    if (!tls_server_available())
        EXPECT_EQ(s.error(), "TLS is not available in this build");
    else
        EXPECT_EQ(s.error().rfind("cannot read certificate no-such-cert.pem: ", 0), 0u) << s.error();
}
