// test_timeouts_e2e.cpp - the server's timeouts against a real server: a
// connection that never chooses a name is closed after --register-timeout, a
// silent one after --idle-timeout (and the others are told), and connections
// on their way out do not count toward --max-clients. Deadlines, no sleeps.
#include <gtest/gtest.h>

#include <string>

#include "support/test_client.h"
#include "support/test_server.h"

namespace {

TEST(TimeoutsE2E, ConnectionWithoutANameIsClosedAfterTheRegisterTimeout)
{
    TestServer server([](server_config &c) { c.register_timeout_ms = 1000; });
    ASSERT_TRUE(server.ok()) << server.error();
    TestClient silent, named;
    ASSERT_TRUE(silent.connect(server.port()));
    ASSERT_TRUE(named.join(server.port(), "alice"));
    auto told = silent.read_until("! ", 5000);
    ASSERT_TRUE(told);
    EXPECT_EQ(*told, "! No name chosen in time (limit 1 s); closing.");
    EXPECT_TRUE(silent.wait_closed(5000));
    // The named one is not affected.
    ASSERT_TRUE(named.send_line("still here"));
    auto echo = named.read_until("still here", 5000);
    ASSERT_TRUE(echo);
    EXPECT_EQ(strip_timestamp(*echo), "<alice> still here");
}

TEST(TimeoutsE2E, SilentUserIsClosedAfterTheIdleTimeoutAndOthersAreTold)
{
    TestServer server([](server_config &c) { c.idle_timeout_ms = 1000; c.rate = 0; });
    ASSERT_TRUE(server.ok()) << server.error();
    TestClient idle, busy;
    ASSERT_TRUE(idle.join(server.port(), "idler"));
    ASSERT_TRUE(busy.join(server.port(), "busy"));
    // busy keeps talking, so only idler goes quiet for a whole second.
    std::optional<std::string> left;
    for (int i = 0; i < 40 && !left; i++) {
        ASSERT_TRUE(busy.send_line("tick " + std::to_string(i)));
        for (auto line = busy.read_line(250); line; line = busy.read_line(250))
            if (line->find("idler left") != std::string::npos) {
                left = line;
                break;
            }
    }
    ASSERT_TRUE(left) << "idler was not closed";
    EXPECT_EQ(strip_timestamp(*left), "*** idler left (idle)");
    auto told = idle.read_until("! Idle", 5000);
    ASSERT_TRUE(told);
    EXPECT_EQ(*told, "! Idle too long (limit 1 s); closing.");
    EXPECT_TRUE(idle.wait_closed(5000));
    ASSERT_TRUE(busy.send_line("/who"));
    auto who = busy.read_until("*** Members", 5000);
    ASSERT_TRUE(who);
    EXPECT_EQ(*who, "*** Members of #lobby (1): @busy");
}

TEST(TimeoutsE2E, ClosingConnectionsDoNotCountTowardMaxClients)
{
    TestServer server([](server_config &c) { c.max_clients = 2; });
    ASSERT_TRUE(server.ok()) << server.error();
    TestClient a, b, c;
    ASSERT_TRUE(a.join(server.port(), "a"));
    ASSERT_TRUE(b.join(server.port(), "b"));
    // a says /quit but keeps its socket open: the server is closing it and
    // waits (up to 2 s) for a's FIN. It must not hold a's slot meanwhile.
    ASSERT_TRUE(a.send_line("/quit"));
    ASSERT_TRUE(a.read_until("*** Bye.", 5000));
    ASSERT_TRUE(b.read_until("a left", 5000));
    ASSERT_TRUE(c.connect(server.port()));
    auto welcome = c.read_line(5000);
    ASSERT_TRUE(welcome);
    EXPECT_EQ(welcome->rfind("*** Welcome to natter.", 0), 0u) << *welcome;
}

}  // namespace
