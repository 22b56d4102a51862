// test_client_roomstate.cpp - what the client reads from server lines about
// itself: its name (v1 and v2 welcome lines, renames with either time
// prefix), its current room for the prompt, and which lines are history.
#include <gtest/gtest.h>

#include <string>

extern "C" {
#include "apps/client/roomstate.h"
}

namespace {

class RoomState : public ::testing::Test {
protected:
    void SetUp() override { roomstate_init(&rs_); }

    bool accept(const std::string &line) {
        return roomstate_accept_name(&rs_, line.data(), line.size());
    }
    int line(const std::string &l) { return roomstate_line(&rs_, l.data(), l.size()); }
    std::string prompt() {
        char buf[ROOMSTATE_PROMPT_MAX];
        roomstate_prompt(&rs_, buf, sizeof buf);
        return buf;
    }

    room_state rs_;
};

TEST_F(RoomState, NameFromV1AndV2WelcomeLines) {
    EXPECT_TRUE(accept("*** You are alice. Online (2): alice, bob. Type /help for commands."));
    EXPECT_STREQ(rs_.name, "alice");
    EXPECT_TRUE(accept("*** You are 张三. 3 user(s) online in 2 room(s). Type /help for commands."));
    EXPECT_STREQ(rs_.name, "张三");
    EXPECT_TRUE(accept("*** You are bob.. 1 user(s) online in 1 room(s). Type /help for commands."));
    EXPECT_STREQ(rs_.name, "bob.");
    EXPECT_TRUE(accept("*** You are José."));
    EXPECT_STREQ(rs_.name, "José");
    EXPECT_FALSE(accept("*** Welcome to natter. 1 user(s) online. What is your name?"));
    EXPECT_STREQ(rs_.name, "José");
}

TEST_F(RoomState, PromptFollowsTheCurrentRoom) {
    accept("*** You are alice. 3 user(s) online in 2 room(s). Type /help for commands.");
    EXPECT_EQ(prompt(), "alice> ");
    EXPECT_EQ(line("[12:00:00] #lobby *** alice joined"), 0);
    EXPECT_EQ(line("*** Now talking in #lobby."), ROOMSTATE_PROMPT);
    EXPECT_EQ(prompt(), "alice #lobby> ");
    EXPECT_EQ(line("*** Now talking in #lobby."), 0);   // no change
    EXPECT_EQ(line("*** Now talking in #rust."), ROOMSTATE_PROMPT);
    EXPECT_EQ(prompt(), "alice #rust> ");
    EXPECT_EQ(line("*** Now talking in no room. Type /join ROOM to join one."), ROOMSTATE_PROMPT);
    EXPECT_EQ(prompt(), "alice> ");
    EXPECT_EQ(line("*** Now talking in #日本語."), ROOMSTATE_PROMPT);
    EXPECT_EQ(prompt(), "alice #日本語> ");
    EXPECT_EQ(line("*** Now talking in #a.b.."), ROOMSTATE_PROMPT);
    EXPECT_EQ(prompt(), "alice #a.b.> ");
}

TEST_F(RoomState, ChatTextNeverChangesTheRoom) {
    accept("*** You are alice.");
    EXPECT_EQ(line("[12:00:00] #lobby <bob> *** Now talking in #evil."), 0);
    EXPECT_EQ(line("[12:00:00] <bob> *** Now talking in #evil."), 0);
    EXPECT_EQ(prompt(), "alice> ");
}

TEST_F(RoomState, LongRoomNameIsCutOnACharacterBoundary) {
    accept("*** You are alice.");
    std::string room = "#";
    for (int i = 0; i < 100; i++) room += "字";
    line("*** Now talking in " + room + ".");
    std::string kept = rs_.room;
    EXPECT_LE(kept.size(), static_cast<size_t>(ROOMSTATE_ROOM_MAX));
    EXPECT_EQ((kept.size() - 1) % 3, 0u);
    EXPECT_EQ(room.compare(0, kept.size(), kept), 0);
}

TEST_F(RoomState, RenamesWithEitherTimePrefixAndOptionalTag) {
    accept("*** You are alice.");
    line("*** Now talking in #rust.");
    EXPECT_EQ(line("[12:00:00] *** bob is now known as carol"), 0);
    EXPECT_EQ(line("[12:00:00] *** ALICE is now known as Alice"), ROOMSTATE_PROMPT);
    EXPECT_EQ(prompt(), "Alice #rust> ");
    EXPECT_EQ(line("[2026-12-01 12:00:00] *** Alice is now known as 张三"), ROOMSTATE_PROMPT);
    EXPECT_STREQ(rs_.name, "张三");
    EXPECT_EQ(line("[12:00:00] #rust *** 张三 is now known as zed"), ROOMSTATE_PROMPT);
    EXPECT_STREQ(rs_.name, "zed");
    EXPECT_EQ(line("[12:00:00] <bob> *** zed is now known as evil"), 0);
    EXPECT_STREQ(rs_.name, "zed");
}

TEST_F(RoomState, HistoryLinesAreDimAndNotObeyed) {
    accept("*** You are alice.");
    EXPECT_EQ(line("*** Members of #rust (2): @bob, alice"), 0);
    EXPECT_EQ(line("*** History of #rust (3 lines):"), 0);
    EXPECT_EQ(line("[12:00:00] #rust <bob> earlier text"), ROOMSTATE_DIM);
    EXPECT_EQ(line("[2026-11-30 19:00:01] #rust * bob waved yesterday"), ROOMSTATE_DIM);
    // An old rename of someone called alice is not ours to follow.
    EXPECT_EQ(line("[2026-11-30 19:00:01] *** alice is now known as mallory"), ROOMSTATE_DIM);
    EXPECT_STREQ(rs_.name, "alice");
    EXPECT_EQ(line("*** End of history of #rust."), 0);
    EXPECT_EQ(line("*** Now talking in #rust."), ROOMSTATE_PROMPT);
    EXPECT_EQ(line("[12:00:01] #rust <bob> live"), 0);
}

TEST_F(RoomState, HistoryWithoutEndStopsAtNowTalkingIn) {
    accept("*** You are alice.");
    line("*** History of #rust (2 lines):");
    EXPECT_EQ(line("[12:00:00] #rust <bob> earlier"), ROOMSTATE_DIM);
    EXPECT_EQ(line("*** Now talking in #rust."), ROOMSTATE_PROMPT);
    EXPECT_FALSE(rs_.in_history);
    EXPECT_EQ(line("[12:00:01] #rust <bob> live"), 0);
}

}  // namespace
