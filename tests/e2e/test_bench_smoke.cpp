// natter-bench's engine (apps/bench) against a real natter server in this
// process, with tiny numbers: it must finish and see every message exactly
// once. No assertion here depends on timing; the measurements themselves
// belong in docs/performance.md, not in CTest. Also the pieces the counts
// rest on: the message marker, the tally and the latency histogram.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <string>

#include "support/test_server.h"

extern "C" {
#include "apps/bench/bench.h"
#include "apps/bench/histogram.h"
#include "apps/bench/message.h"
#include "apps/bench/tally.h"
#include "platform/net.h"
}

namespace {

std::string format(uint32_t sender, uint32_t seq, uint64_t us, size_t min_len) {
    char buf[2048];
    bench_message m{sender, seq, us};
    size_t n = message_format(buf, sizeof buf, &m, min_len);
    return std::string(buf, n);
}

bool find(const std::string &line, bench_message *m) {
    return message_find(line.data(), line.size(), m);
}

TEST(BenchMessage, RoundTripsBehindAnyPrefix) {
    std::string text = format(3, 517, 1234567, 0);
    EXPECT_EQ(text, "NB1 3 205 12d687\n");
    std::string body = text.substr(0, text.size() - 1);
    const char *prefixes[] = {"", "<user5> ", "[12:00:00] <b3> ", "N NB NB1 x "};
    for (const char *prefix : prefixes) {
        bench_message m{};
        ASSERT_TRUE(find(prefix + body + "\r", &m)) << prefix;
        EXPECT_EQ(m.sender, 3u);
        EXPECT_EQ(m.seq, 517u);
        EXPECT_EQ(m.send_us, 1234567u);
    }
}

TEST(BenchMessage, PadsToTheRequestedSize) {
    for (size_t size : {0u, 16u, 17u, 18u, 100u, 1000u}) {
        std::string text = format(1, 2, 3, size);
        std::string body = text.substr(0, text.size() - 1);
        EXPECT_EQ(body.size(), size > 9 ? size : 9u) << size;
        EXPECT_NE(body.back(), ' ') << "no trailing blank to be trimmed";
        bench_message m{};
        ASSERT_TRUE(find(body, &m)) << body;
        EXPECT_EQ(m.seq, 2u);
        EXPECT_EQ(m.send_us, 3u);
    }
}

TEST(BenchMessage, IgnoresOtherLines) {
    bench_message m{};
    EXPECT_FALSE(find("", &m));
    EXPECT_FALSE(find("*** b1 joined", &m));
    EXPECT_FALSE(find("NB1 ", &m));
    EXPECT_FALSE(find("NB1 1 2", &m));
    EXPECT_FALSE(find("NB1 1  2 3", &m));
    EXPECT_FALSE(find("NB1 g 2 3", &m));
    EXPECT_FALSE(find("NB1 123456789 2 3", &m)) << "sender wider than 32 bits";
}

TEST(BenchTally, CountsNewDuplicateEchoAndReordered) {
    tally t;
    ASSERT_EQ(tally_init(&t, 3, 2, 10), 0);
    EXPECT_EQ(tally_expected(&t), 2u * 10u * 2u);
    bench_message m0{0, 0, 100}, m5{0, 5, 100}, m3{0, 3, 100}, bad{2, 0, 0};
    EXPECT_EQ(tally_record(&t, 1, &m0, 150), TALLY_NEW);
    EXPECT_EQ(tally_record(&t, 1, &m5, 150), TALLY_NEW);
    EXPECT_EQ(tally_record(&t, 1, &m3, 150), TALLY_NEW);  // after 5: reordered
    EXPECT_EQ(tally_record(&t, 1, &m5, 150), TALLY_DUPLICATE);
    EXPECT_EQ(tally_record(&t, 2, &m3, 150), TALLY_NEW);  // other receiver
    EXPECT_EQ(tally_record(&t, 0, &m3, 150), TALLY_ECHO);
    EXPECT_EQ(tally_record(&t, 1, &bad, 150), TALLY_INVALID);
    EXPECT_EQ(t.delivered, 4u);
    EXPECT_EQ(t.duplicates, 1u);
    EXPECT_EQ(t.out_of_order, 1u);
    EXPECT_EQ(t.echoes, 1u);
    EXPECT_EQ(t.invalid, 1u);
    EXPECT_EQ(t.latency.count, 4u);
    EXPECT_EQ(t.latency.max, 50u);
    tally_free(&t);
}

TEST(BenchHistogram, PercentilesAreWithinABucket) {
    static histogram h;  // large: keep it off the stack
    histogram_reset(&h);
    EXPECT_EQ(histogram_percentile(&h, 50), 0u);
    for (uint64_t v = 1; v <= 100000; v++) histogram_add(&h, v);
    const double ps[] = {50, 90, 99, 99.9};
    for (double p : ps) {
        double exact = p / 100.0 * 100000;
        double got = static_cast<double>(histogram_percentile(&h, p));
        EXPECT_GE(got, exact - 1) << p;
        EXPECT_LE(got, exact * (1 + 1.0 / 64) + 1) << p;
    }
    EXPECT_EQ(histogram_percentile(&h, 100), 100000u);
    EXPECT_EQ(h.min, 1u);
    histogram_reset(&h);
    histogram_add(&h, 7);
    histogram_add(&h, 7);
    histogram_add(&h, 1000000000000ull);
    EXPECT_EQ(histogram_percentile(&h, 50), 7u) << "small values are exact";
    EXPECT_EQ(histogram_percentile(&h, 99), 1000000000000ull);
}

TEST(BenchConfig, RefusesNumbersThatDoNotFit) {
    bench_config cfg;
    char err[256];
    bench_config_defaults(&cfg);
    EXPECT_EQ(bench_config_check(&cfg, err, sizeof err), 0) << err;
    cfg.senders = cfg.clients;  // nobody left to acknowledge a window
    EXPECT_EQ(bench_config_check(&cfg, err, sizeof err), -1);
    EXPECT_NE(std::strstr(err, "--senders"), nullptr) << err;
    cfg.rate = 10;              // with a rate, everyone may send
    EXPECT_EQ(bench_config_check(&cfg, err, sizeof err), 0) << err;
    EXPECT_TRUE(bench_hello_valid("user%d"));
    EXPECT_TRUE(bench_hello_valid("100%% b%d"));
    EXPECT_FALSE(bench_hello_valid("b%s"));
    EXPECT_FALSE(bench_hello_valid("b%"));
}

class BenchSmoke : public ::testing::Test {
protected:
    void SetUp() override { ASSERT_EQ(net_init(), 0); }
    void TearDown() override { net_cleanup(); }

    static bench_config tiny(const std::string &port) {
        bench_config cfg;
        bench_config_defaults(&cfg);
        cfg.port = port.c_str();  // the caller keeps port alive
        cfg.clients = 6;
        cfg.senders = 2;
        cfg.messages = 40;
        cfg.window = 4;
        cfg.hello = "b%d";
        cfg.duration_limit_s = 30;
        return cfg;
    }
};

TEST_F(BenchSmoke, WindowedRunAgainstNatterLosesNothing) {
    TestServer server([](server_config &c) { c.rate = 0; });
    ASSERT_TRUE(server.ok()) << server.error();
    std::string port = std::to_string(server.port());
    bench_config cfg = tiny(port);
    cfg.size = 100;
    bench_result res;
    char err[512] = "";
    ASSERT_EQ(bench_run(&cfg, &res, err, sizeof err), 0) << err;
    EXPECT_EQ(res.clients_connected, 6);
    EXPECT_EQ(res.sent, 80u);
    EXPECT_EQ(res.expected, 80u * 5u);
    EXPECT_EQ(res.delivered, res.expected);
    EXPECT_EQ(res.lost, 0u);
    EXPECT_EQ(res.duplicates, 0u);
    EXPECT_EQ(res.out_of_order, 0u);
    EXPECT_EQ(res.disconnected, 0);
    EXPECT_FALSE(res.timed_out);
    EXPECT_EQ(res.echoes, 80u) << "natter echoes a line to its sender";
    EXPECT_EQ(res.mean_line_bytes, 100.0);
    EXPECT_GE(res.latency_max_us, res.latency_p50_us);
    EXPECT_TRUE(bench_result_clean(&res));
}

// Thousands of clients in one room on one server (and one bench process):
// the join storm is not O(n^2) (joins are announced only in rooms of up to
// --announce-limit members), select() holds descriptors past FD_SETSIZE, and
// every message reaches everyone. Bounded: it stops at its duration limit.
TEST_F(BenchSmoke, ThousandsOfClientsInOneRoomLoseNothing) {
    const int clients = NATTER_SCALE_CLIENTS;
    // -1: the OS has no such limit (Windows); otherwise it must suffice.
    long limit = net_raise_descriptor_limit(2L * clients + 64);
    if (limit >= 0) {
        ASSERT_GE(limit, 2L * clients + 64) << "the test needs " << 2 * clients + 64
                                            << " descriptors; raise ulimit -n";
    }
    TestServer server([](server_config &c) { c.rate = 0; });
    ASSERT_TRUE(server.ok()) << server.error();
    std::string port = std::to_string(server.port());
    bench_config cfg = tiny(port);
    cfg.clients = clients;
    cfg.senders = 4;
    cfg.messages = 10;
    cfg.window = 4;
    cfg.duration_limit_s = 100;
    bench_result res;
    char err[512] = "";
    ASSERT_EQ(bench_run(&cfg, &res, err, sizeof err), 0) << err;
    EXPECT_EQ(res.clients_connected, clients);
    EXPECT_EQ(res.expected, 40u * static_cast<unsigned>(clients - 1));
    EXPECT_EQ(res.delivered, res.expected);
    EXPECT_EQ(res.disconnected, 0);
    EXPECT_FALSE(res.timed_out);
    EXPECT_TRUE(bench_result_clean(&res));
}

// natter shows whoever joins the room's last lines, so a second run sees the
// first run's markers as history while it connects; they must not count.
TEST_F(BenchSmoke, ASecondRunIsNotConfusedByTheFirstRunsHistory) {
    TestServer server([](server_config &c) { c.rate = 0; });
    ASSERT_TRUE(server.ok()) << server.error();
    std::string port = std::to_string(server.port());
    for (const char *hello : {"a%d", "b%d"}) {
        bench_config cfg = tiny(port);
        cfg.hello = hello;  // fresh names: the first run's may not be free yet
        bench_result res;
        char err[512] = "";
        ASSERT_EQ(bench_run(&cfg, &res, err, sizeof err), 0) << err;
        EXPECT_EQ(res.delivered, 80u * 5u) << hello;
        EXPECT_EQ(res.duplicates, 0u) << hello;
        EXPECT_TRUE(bench_result_clean(&res)) << hello;
    }
}

// --server-pid: here the server is this very process. Linux has
// /proc/self; elsewhere (and for a pid that does not exist) the CPU time is
// reported as unknown (negative). Under wine, /proc of the Linux host is
// visible, so "elsewhere" asks for a pid no system has.
TEST_F(BenchSmoke, ServerPidGivesTheServersCpuTimeWhereThereIsProc) {
    TestServer server([](server_config &c) { c.rate = 0; });
    ASSERT_TRUE(server.ok()) << server.error();
    std::string port = std::to_string(server.port());
    bench_config cfg = tiny(port);
    std::error_code ec;
    auto self = std::filesystem::read_symlink("/proc/self", ec);
    const bool have_proc = !ec;
    cfg.server_pid = have_proc ? std::stol(self.string()) : 2147483000L;
    cfg.read_size = 100;  // tiny reads: many per line, lines split across them
    bench_result res;
    char err[512] = "";
    ASSERT_EQ(bench_run(&cfg, &res, err, sizeof err), 0) << err;
    EXPECT_TRUE(bench_result_clean(&res));
    if (have_proc)
        EXPECT_GE(res.server_cpu_s, 0.0);
    else
        EXPECT_LT(res.server_cpu_s, 0.0);
}

// --ack-all: the window waits for every receiver, not just the observer.
TEST_F(BenchSmoke, AckAllRunLosesNothing) {
    TestServer server([](server_config &c) { c.rate = 0; });
    ASSERT_TRUE(server.ok()) << server.error();
    std::string port = std::to_string(server.port());
    bench_config cfg = tiny(port);
    cfg.ack_all = true;
    bench_result res;
    char err[512] = "";
    ASSERT_EQ(bench_run(&cfg, &res, err, sizeof err), 0) << err;
    EXPECT_EQ(res.delivered, 80u * 5u);
    EXPECT_TRUE(bench_result_clean(&res));
}

TEST_F(BenchSmoke, RateRunAgainstNatterLosesNothing) {
    TestServer server([](server_config &c) { c.rate = 0; });
    ASSERT_TRUE(server.ok()) << server.error();
    std::string port = std::to_string(server.port());
    bench_config cfg = tiny(port);
    cfg.senders = 1;
    cfg.messages = 20;
    cfg.rate = 500;
    bench_result res;
    char err[512] = "";
    ASSERT_EQ(bench_run(&cfg, &res, err, sizeof err), 0) << err;
    EXPECT_EQ(res.delivered, 20u * 5u);
    EXPECT_TRUE(bench_result_clean(&res));
}

TEST_F(BenchSmoke, ReportsARefusedConnection) {
    std::string port;
    {
        // A port that was just free: the server is gone when we connect.
        TestServer server;
        ASSERT_TRUE(server.ok()) << server.error();
        port = std::to_string(server.port());
    }
    bench_config cfg = tiny(port);
    bench_result res;
    char err[512] = "";
    EXPECT_EQ(bench_run(&cfg, &res, err, sizeof err), -1);
    EXPECT_EQ(std::string(err).rfind("cannot connect to 127.0.0.1:" + port + ": ", 0), 0u)
        << err;
}

TEST_F(BenchSmoke, StopsAtTheLimitWhenNothingIsRelayed) {
    // A listener that never accepts: connections complete in the backlog,
    // nothing is ever relayed, so the run must stop at its limit and count
    // every delivery as lost.
    net_socket ls[SERVER_MAX_LISTENERS];
    char lerr[256] = "";
    int n = net_listen("127.0.0.1", "0", ls, SERVER_MAX_LISTENERS, lerr, sizeof lerr);
    ASSERT_GE(n, 1) << lerr;
    std::string port = std::to_string(net_local_port(ls[0]));
    bench_config cfg = tiny(port);
    cfg.clients = 3;
    cfg.senders = 1;
    cfg.hello = nullptr;
    cfg.duration_limit_s = 1.0;
    cfg.drain_quiet_s = 30;   // so the limit, not quiet, ends the run
    bench_result res;
    char err[512] = "";
    ASSERT_EQ(bench_run(&cfg, &res, err, sizeof err), 0) << err;
    EXPECT_TRUE(res.timed_out);
    EXPECT_EQ(res.delivered, 0u);
    EXPECT_EQ(res.lost, res.expected);
    EXPECT_EQ(res.sent, 4u) << "one window's worth, then stuck";
    EXPECT_FALSE(bench_result_clean(&res));
    for (int i = 0; i < n; i++) net_close(ls[i]);
}

}  // namespace
