// test_scale.cpp - what lets one server hold many clients without one of
// them, or its own log, costing the others: a non-reader is dropped once its
// queue overflows because the kernel's send buffer per client is bounded,
// and the log, written by its own thread through a bounded queue, can neither
// stop the chat when nobody reads stdout nor end the server when stdout's
// reader goes away. Relayed lines are matched by content ("<alice> text"
// anywhere in the line), not by their exact layout.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "e2e/child_server.h"
#include "e2e/hostile_peer.h"
#include "support/test_server.h"

extern "C" {
#include "platform/clock.h"
}

namespace {

// "payload-17 " followed by padding to exactly `size` bytes.
std::string payload(int i, size_t size) {
    std::string text = "payload-" + std::to_string(i) + " ";
    if (text.size() < size) text += std::string(size - text.size(), 'p');
    return text;
}

// The number N if line relays "<from> payload-N ...", else -1.
int payload_number(const std::string &line, const std::string &from) {
    const std::string tag = "<" + from + "> payload-";
    size_t at = line.find(tag);
    if (at == std::string::npos) return -1;
    return std::atoi(line.c_str() + at + tag.size());
}

// Counts, per reader, the payload lines from one sender, checking order.
struct Delivery {
    explicit Delivery(std::string from) : from(std::move(from)) {}
    void on_line(Peer &p, const std::string &line) {
        if (line.find("stuck left") != std::string::npos &&
            line.find("too slow") != std::string::npos)
            stuck_dropped = true;
        int n = payload_number(line, from);
        if (n < 0) return;
        int &next = got[&p];
        if (n != next && error.empty())
            error = p.label() + " got payload " + std::to_string(n) + " expecting " +
                    std::to_string(next);
        next = n + 1;
    }
    int count(Peer &p) { return got[&p]; }
    std::string from;
    std::map<Peer *, int> got;
    bool stuck_dropped = false;
    std::string error;
};

}  // namespace

// The case: --max-queue 64 KiB, a client with a 4 KiB receive
// buffer that never reads, 6,000 lines of 200 bytes from another client.
// With the kernel free to autotune the send buffer, about 1.35 MB sat there
// and the non-reader was never dropped; with SO_SNDBUF bounded it overflows
// its queue, is dropped as too slow, and the readers get every line.
TEST(Scale, NonReaderIsDroppedBecauseTheKernelSendBufferIsBounded) {
    TestServer server([](server_config &c) {
        c.rate = 0;
        c.max_queue = 65536;
    });
    ASSERT_TRUE(server.ok()) << server.error();
    Peer alice("alice"), bob("bob"), stuck("stuck");
    ASSERT_TRUE(alice.join(server.port(), "alice"));
    ASSERT_TRUE(bob.join(server.port(), "bob"));
    ASSERT_TRUE(stuck.join(server.port(), "stuck", 4096));

    const int kLines = 6000;
    const size_t kSize = 200;
    std::string stream;
    for (int i = 0; i < kLines; i++) stream += payload(i, kSize) + "\n";
    Delivery d("alice");
    std::vector<Peer *> readers = {&alice, &bob};
    auto on_line = [&](Peer &p, const std::string &line) { d.on_line(p, line); };
    auto delivered = [&] {
        return static_cast<size_t>(std::min(d.count(alice), d.count(bob))) * (kSize + 1);
    };
    ASSERT_TRUE(pump_send(alice, stream, readers, on_line, 60000, delivered, 64 * 1024));
    ASSERT_TRUE(pump_until(
        readers, [&] { return d.count(alice) == kLines && d.count(bob) == kLines && d.stuck_dropped; },
        on_line, 30000))
        << "alice got " << d.count(alice) << ", bob got " << d.count(bob) << " of " << kLines
        << (d.stuck_dropped ? "" : "; the non-reader was never dropped");
    EXPECT_TRUE(d.error.empty()) << d.error;
    EXPECT_TRUE(server.log_contains("too slow"));
    EXPECT_TRUE(stuck.wait_closed(10000)) << "the dropped client's connection stays open";
}

// natter-server as a child whose stdout pipe is never read (a paused pager,
// a stuck supervisor): the log fills its pipe and its queue, lines are
// dropped, and the chat goes on: 10,000 lines reach the reader. Once stdout
// is read again, one "log: N lines dropped" line marks the gap and logging
// resumes.
TEST(Scale, UnreadLogPipeDoesNotStopTheChat) {
    ChildServer child;
    std::string err;
    ASSERT_TRUE(child.start({"--rate", "0"}, 0, &err)) << err;
    Peer alice("alice"), bob("bob");
    ASSERT_TRUE(alice.join(child.port(), "alice"));
    ASSERT_TRUE(bob.join(child.port(), "bob"));
    child.hold_output(true);

    const int kLines = 10000;
    const size_t kSize = 100;
    std::string stream;
    for (int i = 0; i < kLines; i++) stream += payload(i, kSize) + "\n";
    Delivery d("alice");
    std::vector<Peer *> readers = {&alice, &bob};
    auto on_line = [&](Peer &p, const std::string &line) { d.on_line(p, line); };
    auto delivered = [&] {
        return static_cast<size_t>(std::min(d.count(alice), d.count(bob))) * (kSize + 1);
    };
    ASSERT_TRUE(pump_send(alice, stream, readers, on_line, 60000, delivered));
    ASSERT_TRUE(pump_until(readers, [&] { return d.count(bob) == kLines; }, on_line, 30000))
        << "bob got " << d.count(bob) << " of " << kLines << " with the log unread";
    EXPECT_TRUE(d.error.empty()) << d.error;

    // Read the log again: what was queued comes out, then the gap notice
    // (lines logged before the writer has caught up may still be dropped
    // and counted in it), then logging goes on.
    child.hold_output(false);
    ASSERT_TRUE(child.wait_output(" lines dropped", 10000))
        << "no gap notice in the log; it ends with: "
        << child.output().substr(child.output().size() > 500 ? child.output().size() - 500 : 0);
    ASSERT_TRUE(alice.send_all("after the gap\n"));
    EXPECT_TRUE(child.wait_output("<alice> after the gap", 10000))
        << "the log did not resume; it ends with: "
        << child.output().substr(child.output().size() > 500 ? child.output().size() - 500 : 0);
    const std::string out = child.output();
    EXPECT_LT(out.find(" lines dropped"), out.find("<alice> after the gap"));
    std::string why;
    if (ChildServer::supported(&why)) {
        EXPECT_EQ(0, child.terminate(10000)) << child.errors();
    }
}

// `natter-server | head -1`: the reader of stdout exits. The next log write
// fails (EPIPE, with SIGPIPE ignored): logging stops, the chat does not.
TEST(Scale, ServerKeepsServingAfterItsStdoutReaderExits) {
    std::string why;
    if (!ChildServer::supported(&why)) GTEST_SKIP() << why;
    ChildServer child;
    std::string err;
    ASSERT_TRUE(child.start({"--rate", "0"}, 0, &err)) << err;
    child.close_output();
    Peer alice("alice"), bob("bob");
    ASSERT_TRUE(alice.join(child.port(), "alice"));
    ASSERT_TRUE(bob.join(child.port(), "bob"));
    // Chat for a while: the first log writes after the close hit the broken
    // pipe; everything must still be relayed.
    Delivery d("alice");
    auto on_line = [&](Peer &p, const std::string &line) { d.on_line(p, line); };
    uint64_t until = clock_monotonic_ms() + 500;
    int sent = 0;
    while (clock_monotonic_ms() < until || sent < 50) {
        ASSERT_TRUE(alice.send_all(payload(sent, 40) + "\n"));
        sent++;
        ASSERT_TRUE(pump_until({&bob}, [&] { return d.count(bob) == sent; }, on_line, 5000))
            << "line " << sent - 1 << " was not relayed after stdout closed";
    }
    EXPECT_TRUE(d.error.empty()) << d.error;
    // A newcomer is still welcome, and the server stops cleanly.
    Peer carol("carol");
    EXPECT_TRUE(carol.join(child.port(), "carol"));
    EXPECT_EQ(0, child.terminate(10000)) << child.errors();
}
