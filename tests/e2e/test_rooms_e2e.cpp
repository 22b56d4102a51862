// test_rooms_e2e.cpp - rooms, history and operators against a real server on
// an ephemeral loopback port: raw TCP test clients, the natter client as a
// child process, and nc (the independent line client people really use).
// Every read waits for readiness with a deadline; nothing sleeps.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/process.h"
#include "support/test_client.h"
#include "support/test_server.h"

namespace {

constexpr int kWait = 10000;  // generous: wine and sanitizers are slow

// Read lines up to and including the one containing needle; all of them.
std::vector<std::string> lines_until(TestClient &c, const std::string &needle)
{
    std::vector<std::string> got;
    for (;;) {
        auto line = c.read_line(kWait);
        if (!line) {
            ADD_FAILURE() << "no line containing \"" << needle << "\"";
            return got;
        }
        got.push_back(*line);
        if (line->find(needle) != std::string::npos)
            return got;
    }
}

bool contains(const std::vector<std::string> &lines, const std::string &needle)
{
    for (const std::string &l : lines)
        if (l.find(needle) != std::string::npos)
            return true;
    return false;
}

TEST(RoomsE2E, RoomsKeepTheirLinesApartAndHistoryIsReplayedExactly)
{
    TestServer server([](server_config &c) { c.rate = 0; });
    ASSERT_TRUE(server.ok()) << server.error();
    TestClient alice, bob, carol;
    ASSERT_TRUE(alice.join(server.port(), "alice"));
    ASSERT_TRUE(bob.join(server.port(), "bob"));
    ASSERT_TRUE(lines_until(alice, "*** bob joined").size() > 0);

    ASSERT_TRUE(alice.send_line("/join rust"));
    auto joined = lines_until(alice, "*** Now talking in #rust.");
    EXPECT_TRUE(contains(joined, "#rust *** alice joined"));
    EXPECT_TRUE(contains(joined, "*** Members of #rust (1): @alice"));
    ASSERT_TRUE(alice.send_line("/topic all things Rust"));
    ASSERT_TRUE(alice.send_line("first rust line"));
    ASSERT_TRUE(alice.send_line("/me compiles"));
    std::vector<std::string> live = lines_until(alice, "* alice compiles");
    ASSERT_EQ(live.size(), 3u);

    // bob, in #lobby only, hears nothing of #rust; a lobby line still works.
    ASSERT_TRUE(bob.send_line("lobby only"));
    auto bob_lines = lines_until(bob, "<bob> lobby only");
    EXPECT_FALSE(contains(bob_lines, "#rust"));

    // carol joins #rust later: topic, members, then the three lines exactly
    // as alice saw them live, between the two history markers.
    ASSERT_TRUE(carol.join(server.port(), "carol"));
    ASSERT_TRUE(carol.send_line("/join #RUST"));
    auto seen = lines_until(carol, "*** Now talking in #rust.");
    ASSERT_GE(seen.size(), 8u);
    EXPECT_EQ(strip_timestamp(seen[0]), "*** carol joined");
    EXPECT_EQ(seen[1].rfind("*** Topic of #rust: all things Rust (set by alice, ", 0), 0u) << seen[1];
    EXPECT_EQ(seen[2], "*** Members of #rust (2): @alice, carol");
    EXPECT_EQ(seen[3], "*** History of #rust (3 lines):");
    EXPECT_EQ(seen[4], live[0]);
    EXPECT_EQ(seen[5], live[1]);
    EXPECT_EQ(seen[6], live[2]);
    EXPECT_EQ(seen[7], "*** End of history of #rust.");

    // A rename reaches carol once although she shares two rooms with alice.
    ASSERT_TRUE(alice.send_line("/nick Alicia"));
    ASSERT_TRUE(carol.send_line("/rooms"));
    auto after = lines_until(carol, "*** End of rooms.");
    int renames = 0;
    for (const std::string &l : after)
        if (strip_timestamp(l) == "*** alice is now known as Alicia")
            renames++;
    EXPECT_EQ(renames, 1);
    EXPECT_TRUE(contains(after, "***   #lobby (3)"));
    EXPECT_TRUE(contains(after, "***   #rust (2): all things Rust"));
}

TEST(RoomsE2E, OperatorKicksAndTheKickedMayRejoin)
{
    TestServer server([](server_config &c) { c.rate = 0; });
    ASSERT_TRUE(server.ok()) << server.error();
    TestClient op, mallory;
    ASSERT_TRUE(op.join(server.port(), "op"));
    ASSERT_TRUE(mallory.join(server.port(), "mallory"));
    ASSERT_TRUE(op.send_line("/join #mod"));
    lines_until(op, "*** Now talking in #mod.");
    ASSERT_TRUE(mallory.send_line("/join mod"));
    lines_until(mallory, "*** Now talking in #mod.");

    // mallory is no operator.
    ASSERT_TRUE(mallory.send_line("/kick op"));
    auto refused = mallory.read_until("! ", kWait);
    ASSERT_TRUE(refused);
    EXPECT_EQ(*refused, "! You are not an operator of #mod.");

    ASSERT_TRUE(op.send_line("/kick mallory spam"));
    auto kicked = lines_until(mallory, "*** Now talking in");
    EXPECT_TRUE(contains(kicked, "#mod *** op kicked mallory (spam)"));
    EXPECT_EQ(kicked.back(), "*** Now talking in #lobby.");
    auto seen_by_op = op.read_until("kicked", kWait);
    ASSERT_TRUE(seen_by_op);
    EXPECT_EQ(strip_timestamp(*seen_by_op), "*** op kicked mallory (spam)");

    ASSERT_TRUE(mallory.send_line("/join #mod"));
    auto back = lines_until(mallory, "*** Now talking in #mod.");
    EXPECT_TRUE(contains(back, "*** Members of #mod (2): @op, mallory"));

    // The operator leaves: mallory, the only one left, is made operator.
    ASSERT_TRUE(op.send_line("/part #mod"));
    auto promoted = mallory.read_until("operator", kWait);
    ASSERT_TRUE(promoted);
    EXPECT_EQ(strip_timestamp(*promoted), "*** mallory is now an operator");
}

TEST(RoomsE2E, NatterClientJoinsAndTalksInARoom)
{
    TestServer server;
    ASSERT_TRUE(server.ok()) << server.error();
    TestClient bob;
    ASSERT_TRUE(bob.join(server.port(), "bob"));
    ASSERT_TRUE(bob.send_line("/join #tea"));
    lines_until(bob, "*** Now talking in #tea.");

    ChildProcess natter;
    std::string err;
    ASSERT_TRUE(natter.start(natter_program("natter"),
                             {"--name", "alice", "127.0.0.1", std::to_string(server.port())},
                             &err))
        << err;
    ASSERT_TRUE(natter.wait_stdout("*** Now talking in #lobby.", kWait)) << natter.stdout_text();
    ASSERT_TRUE(natter.write_stdin("/join tea\nmilk first?\n"));
    auto heard = bob.read_until("<alice>", kWait);
    ASSERT_TRUE(heard);
    EXPECT_EQ(strip_timestamp(*heard), "<alice> milk first?");
    EXPECT_EQ(heard->substr(11, 5), "#tea ");
    ASSERT_TRUE(bob.send_line("never"));
    EXPECT_TRUE(natter.wait_stdout("#tea <bob> never\n", kWait)) << natter.stdout_text();
    natter.close_stdin();
    int code = -1;
    ASSERT_TRUE(natter.wait_exit(kWait, &code));
    EXPECT_EQ(code, 0) << natter.stderr_text();
    auto left = bob.read_until("left", kWait);
    ASSERT_TRUE(left);
    EXPECT_EQ(strip_timestamp(*left), "*** alice left (quit)");
}

#ifdef NATTER_NC
// nc (netcat-openbsd, installed by CI) as a real, independent line client:
// what a user without the natter client sees.
TEST(RoomsE2E, NetcatUserSeesRoomsAsDocumented)
{
    TestServer server;
    ASSERT_TRUE(server.ok()) << server.error();
    TestClient bob;
    ASSERT_TRUE(bob.join(server.port(), "bob"));

    ChildProcess nc;
    std::string err;
    ASSERT_TRUE(nc.start(NATTER_NC, {"127.0.0.1", std::to_string(server.port())}, &err)) << err;
    ASSERT_TRUE(nc.wait_stdout("What is your name?", kWait)) << nc.stdout_text() << nc.stderr_text();
    ASSERT_TRUE(nc.write_stdin("carol\n"));
    ASSERT_TRUE(nc.wait_stdout("*** Now talking in #lobby.", kWait)) << nc.stdout_text();
    EXPECT_NE(nc.stdout_text().find("*** Members of #lobby (2): @bob, carol\n"), std::string::npos)
        << nc.stdout_text();
    ASSERT_TRUE(nc.write_stdin("/join knitting\n/topic wool\nhello yarn\n/part\n"));
    ASSERT_TRUE(nc.wait_stdout("*** Now talking in #lobby.\n", kWait));
    ASSERT_TRUE(nc.wait_stdout("#knitting <carol> hello yarn\n", kWait)) << nc.stdout_text();
    ASSERT_TRUE(nc.wait_stdout("#knitting *** carol left (part)\n", kWait)) << nc.stdout_text();
    // bob saw none of it.
    ASSERT_TRUE(nc.write_stdin("back in the lobby\n/quit\n"));
    auto heard = bob.read_until("<carol>", kWait);
    ASSERT_TRUE(heard);
    EXPECT_EQ(strip_timestamp(*heard), "<carol> back in the lobby");
    ASSERT_TRUE(nc.wait_stdout("*** Bye.", kWait)) << nc.stdout_text();
    nc.close_stdin();
    int code = -1;
    ASSERT_TRUE(nc.wait_exit(kWait, &code));
}
#endif

}  // namespace
