// Write coalescing (core/server.c, update_coalescing): under a sustained
// stream the server makes far fewer send() calls than it delivers lines, and
// a line that comes after a quiet spell is not held back. Counted with the
// server's own counters (server_get_stats), not timed against a budget.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "support/test_client.h"
#include "support/test_server.h"

extern "C" {
#include "platform/clock.h"
}

namespace
{

// The chat text of the next "<name> text" line, skipping events.
std::string next_chat_text(TestClient &c, int timeout_ms = 10000)
{
    uint64_t deadline = clock_monotonic_ms() + static_cast<uint64_t>(timeout_ms);
    for (;;) {
        uint64_t now = clock_monotonic_ms();
        if (now >= deadline)
            return "";
        auto line = c.read_line(static_cast<int>(deadline - now));
        if (!line)
            return "";
        std::string text = strip_timestamp(*line);
        if (text.rfind("<", 0) != 0)
            continue;
        size_t gt = text.find("> ");
        return gt == std::string::npos ? text : text.substr(gt + 2);
    }
}

TEST(Coalescing, SustainedStreamNeedsFewerSendsThanLines)
{
    // 22 connections and a budget of 2,000 sends/s: one iteration per ~11 ms.
    TestServer server([](server_config &cfg) {
        cfg.rate = 0; // the senders go faster than flood control allows
        cfg.send_budget = 2000;
        cfg.coalesce_max_ms = 25;
    });
    ASSERT_TRUE(server.ok()) << server.error();
    const int kReaders = 20, kSenders = 2, kLines = 300;
    std::vector<std::unique_ptr<TestClient>> readers, senders;
    for (int i = 0; i < kReaders; i++) {
        readers.push_back(std::make_unique<TestClient>());
        ASSERT_TRUE(readers.back()->join(server.port(), "r" + std::to_string(i)));
    }
    for (int i = 0; i < kSenders; i++) {
        senders.push_back(std::make_unique<TestClient>());
        ASSERT_TRUE(senders.back()->join(server.port(), "s" + std::to_string(i)));
    }
    // A steady stream, one line per millisecond from each sender (the
    // pause paces the load; it synchronises nothing). Readers read after:
    // the kernel buffers hold what they have not read yet.
    for (int n = 0; n < kLines; n++) {
        for (int i = 0; i < kSenders; i++)
            ASSERT_TRUE(senders[i]->send_line("m" + std::to_string(i) + "-" + std::to_string(n)));
        clock_sleep_ms(1);
    }
    // Every reader gets every line once, each sender's in order.
    for (auto &r : readers) {
        int next[kSenders] = {0, 0};
        for (int k = 0; k < kSenders * kLines; k++) {
            std::string text = next_chat_text(*r);
            ASSERT_GE(text.size(), 4u) << "line " << k << " missing";
            int who = text[1] - '0';
            ASSERT_TRUE(who >= 0 && who < kSenders) << text;
            EXPECT_EQ(text, "m" + std::to_string(who) + "-" + std::to_string(next[who]));
            next[who]++;
        }
    }
    server.stop();
    server_stats st = server.stats();
    ASSERT_GE(st.lines_queued, static_cast<uint64_t>(kReaders * kSenders * kLines));
    // Without coalescing each line, arriving alone, costs a send() per
    // reader (sends close to lines); paced at ~11 ms about 20 lines share one.
    EXPECT_LT(st.sends * 4, st.lines_queued)
        << st.sends << " sends for " << st.lines_queued << " lines";
}

TEST(Coalescing, LineAfterQuietSpellIsNotHeldBack)
{
    // A tiny budget makes the pace the cap (1 s) as soon as anything is sent.
    TestServer server([](server_config &cfg) {
        cfg.send_budget = 1;
        cfg.coalesce_max_ms = 1000;
    });
    ASSERT_TRUE(server.ok()) << server.error();
    TestClient a, b;
    ASSERT_TRUE(a.join(server.port(), "alice"));
    ASSERT_TRUE(b.join(server.port(), "bob"));
    // Quiet for longer than the pace and its counting window.
    clock_sleep_ms(1500);
    uint64_t t0 = clock_monotonic_ms();
    ASSERT_TRUE(a.send_line("two"));
    ASSERT_EQ(next_chat_text(b), "two");
    uint64_t quiet_latency = clock_monotonic_ms() - t0;
    // Right after a send the server is paced: the next line waits.
    uint64_t t1 = clock_monotonic_ms();
    ASSERT_TRUE(a.send_line("three"));
    ASSERT_EQ(next_chat_text(b), "three");
    uint64_t paced_latency = clock_monotonic_ms() - t1;
    EXPECT_LT(quiet_latency, 300u) << "a line after a quiet spell was held back";
    EXPECT_GE(paced_latency, 400u) << "no pacing right after a send (test would prove nothing)";
}

} // namespace
