// test_client_format.cpp - how the client colours server lines: the text is
// never changed (only SGR sequences are added), names have stable colours
// ignoring ASCII case, the own name is bold, errors red, notices dim; v2
// room tags have a colour per room and history lines are dimmed whole.
#include <gtest/gtest.h>

#include <set>
#include <string>

extern "C" {
#include "apps/client/format.h"
}

namespace {

std::string format(const std::string &line, const char *own = "alice", bool colour = true) {
    byte_queue q;
    byte_queue_init(&q);
    EXPECT_EQ(chat_format_line(&q, line.data(), line.size(), own, colour), 0);
    std::string out(byte_queue_data(&q), byte_queue_length(&q));
    byte_queue_free(&q);
    return out;
}

// The text without "ESC [ ... m" sequences.
std::string strip_sgr(const std::string &s) {
    std::string r;
    for (size_t i = 0; i < s.size(); i++) {
        if (s[i] == '\x1b' && i + 1 < s.size() && s[i + 1] == '[') {
            size_t m = s.find('m', i);
            if (m == std::string::npos) break;
            i = m;
            continue;
        }
        r += s[i];
    }
    return r;
}

std::string sgr(const std::string &params) { return "\x1b[" + params + "m"; }

const char *const kLines[] = {
    "*** Welcome to natter. 1 user(s) online. What is your name?",
    "! Name \"bob\" is taken. Choose another name:",
    "[12:00:00] <bob> hello <there> * x *y* ",
    "[12:00:00] <alice> my own line",
    "[12:00:00] * bob waves",
    "[12:00:00] *bob* psst",
    "[12:00:00] -> *bob* psst back",
    "[12:00:00] *** bob joined",
    "[12:00:00] plain text",
    "no shape at all",
    "[12:00:00] <unterminated",
    "[12:00:00] *",
    "",
    // v2: room tags, dated history lines, room notices.
    "[12:00:00] #rust <bob> hi",
    "[12:00:00] #rust * bob waves",
    "[12:00:00] #rust *** bob joined",
    "[2026-11-30 19:00:01] #rust <bob> yesterday",
    "[2026-11-30 19:00:01] <bob> dated, no tag",
    "[12:00:00] #",
    "[12:00:00] # x",
    "[12:00:00] #rust",
    "*** Now talking in #rust.",
    "*** Members of #rust (3): @bob, carol, alice",
};

TEST(ClientFormat, WithoutColourTheLineIsUnchanged) {
    for (const char *line : kLines) EXPECT_EQ(format(line, "alice", false), line);
}

TEST(ClientFormat, ColourOnlyAddsSgrSequences) {
    for (const char *line : kLines) EXPECT_EQ(strip_sgr(format(line)), line) << line;
}

TEST(ClientFormat, ErrorsAreRedAndNoticesDim) {
    EXPECT_EQ(format("! No user named x."), sgr("31") + "! No user named x." + sgr("0"));
    EXPECT_EQ(format("*** Bye."), sgr("2") + "*** Bye." + sgr("0"));
    EXPECT_EQ(format("[12:00:00] *** bob joined"),
              sgr("2") + "[12:00:00]" + sgr("0") + " " + sgr("2") + "*** bob joined" + sgr("0"));
}

TEST(ClientFormat, ChatNameIsInItsColour) {
    std::string bob = sgr(chat_name_colour("bob", 3));
    EXPECT_EQ(format("[12:00:00] <bob> hi"),
              sgr("2") + "[12:00:00]" + sgr("0") + " " + bob + "<bob>" + sgr("0") + " hi");
}

TEST(ClientFormat, OwnNameIsBoldIgnoringCase) {
    std::string out = format("[12:00:00] <Alice> hi", "alice");
    EXPECT_NE(out.find(sgr("1") + sgr(chat_name_colour("Alice", 5)) + "<Alice>"),
              std::string::npos);
    EXPECT_EQ(format("[12:00:00] <bob> hi").find(sgr("1")), std::string::npos);
}

TEST(ClientFormat, ActionsAndPrivateMessagesColourTheName) {
    std::string bob = sgr(chat_name_colour("bob", 3));
    EXPECT_NE(format("[12:00:00] * bob waves").find("* " + bob + "bob" + sgr("0") + " waves"),
              std::string::npos);
    EXPECT_NE(format("[12:00:00] *bob* psst").find(sgr("1") + bob + "*bob*" + sgr("0") + " psst"),
              std::string::npos);
    EXPECT_NE(format("[12:00:00] -> *bob* hi").find(bob + "*bob*" + sgr("0") + " hi"),
              std::string::npos);
}

TEST(ClientFormat, NameColoursAreStableVariedAndNeverRed) {
    EXPECT_STREQ(chat_name_colour("Alice", 5), chat_name_colour("alice", 5));
    std::set<std::string> seen;
    for (int i = 0; i < 200; i++) {
        std::string name = "user" + std::to_string(i);
        std::string c = chat_name_colour(name.data(), name.size());
        EXPECT_NE(c, "31");
        EXPECT_NE(c, "91");
        seen.insert(c);
    }
    EXPECT_GE(seen.size(), 8u);
}

TEST(ClientFormat, SameNameIgnoresAsciiCaseOnly) {
    EXPECT_TRUE(chat_same_name("BoB", 3, "bob", 3));
    EXPECT_FALSE(chat_same_name("bob", 3, "bobby", 5));
    EXPECT_FALSE(chat_same_name("\xC3\x89", 2, "\xC3\xA9", 2));  // É vs é: not ASCII
}

std::string dimmed(const std::string &line, const char *own = "alice") {
    byte_queue q;
    byte_queue_init(&q);
    chat_look look;
    look.own_name = own;
    look.colour = true;
    look.dim = true;
    EXPECT_EQ(chat_format(&q, line.data(), line.size(), &look), 0);
    std::string out(byte_queue_data(&q), byte_queue_length(&q));
    byte_queue_free(&q);
    return out;
}

TEST(ClientFormat, TimestampsWithAndWithoutDate) {
    EXPECT_EQ(chat_timestamp_length("[12:00:00] x", 12), 11u);
    EXPECT_EQ(chat_timestamp_length("[2026-11-30 19:00:01] x", 23), 22u);
    EXPECT_EQ(chat_timestamp_length("[12:00:00]x", 11), 0u);
    EXPECT_EQ(chat_timestamp_length("[ab:cd:ef] x", 12), 0u);
    EXPECT_EQ(chat_timestamp_length("[2026-11-30 19:00:01]", 21), 0u);
    EXPECT_EQ(chat_timestamp_length("[12:00", 6), 0u);
    EXPECT_TRUE(chat_has_timestamp("[2026-11-30 19:00:01] x", 23));
    EXPECT_FALSE(chat_has_timestamp("*** x", 5));
}

TEST(ClientFormat, RoomTagIsRecognisedOnlyAtTheStart) {
    EXPECT_EQ(chat_room_tag_length("#rust <bob> hi", 14), 5u);
    EXPECT_EQ(chat_room_tag_length("#rust", 5), 0u);     // no event after it
    EXPECT_EQ(chat_room_tag_length("# x", 3), 0u);       // no name
    EXPECT_EQ(chat_room_tag_length("<bob> #rust hi", 14), 0u);
    EXPECT_EQ(chat_room_tag_length("#日本 x", 8), 7u);
}

TEST(ClientFormat, DatedTimestampIsDimLikeTheShortOne) {
    std::string bob = sgr(chat_name_colour("bob", 3));
    EXPECT_EQ(format("[2026-11-30 19:00:01] <bob> hi"),
              sgr("2") + "[2026-11-30 19:00:01]" + sgr("0") + " " + bob + "<bob>" + sgr("0") +
                  " hi");
}

TEST(ClientFormat, RoomTagHasItsRoomsColourAndTheRestIsColouredAsBefore) {
    std::string rust = sgr(chat_room_colour("#rust", 5));
    std::string bob = sgr(chat_name_colour("bob", 3));
    EXPECT_EQ(format("[12:00:00] #rust <bob> hi"),
              sgr("2") + "[12:00:00]" + sgr("0") + " " + rust + "#rust" + sgr("0") + " " + bob +
                  "<bob>" + sgr("0") + " hi");
    EXPECT_EQ(format("[12:00:00] #rust *** bob joined"),
              sgr("2") + "[12:00:00]" + sgr("0") + " " + rust + "#rust" + sgr("0") + " " +
                  sgr("2") + "*** bob joined" + sgr("0"));
    EXPECT_NE(format("[12:00:00] #rust * bob waves").find("* " + bob + "bob" + sgr("0")),
              std::string::npos);
    EXPECT_NE(format("[12:00:00] #rust <alice> me").find(sgr("1")), std::string::npos);
}

TEST(ClientFormat, RoomColoursAreStableIgnoringCaseAndVaried) {
    EXPECT_STREQ(chat_room_colour("#Rust", 5), chat_room_colour("#rust", 5));
    std::set<std::string> seen;
    for (int i = 0; i < 100; i++) {
        std::string room = "#room" + std::to_string(i);
        std::string c = chat_room_colour(room.data(), room.size());
        EXPECT_NE(c, "31");
        EXPECT_NE(c, "91");
        seen.insert(c);
    }
    EXPECT_GE(seen.size(), 5u);
}

TEST(ClientFormat, DimmedLinesAreFaintThroughoutAndKeepTheirText) {
    for (const char *line : kLines) {
        std::string out = dimmed(line);
        EXPECT_EQ(strip_sgr(out), line) << line;
        EXPECT_EQ(out.rfind(sgr("2"), 0), 0u) << line;          // starts faint
        EXPECT_EQ(out.substr(out.size() - 4), sgr("0")) << line;  // ends reset
        // Every reset inside the line keeps it faint.
        std::string inner = out.substr(0, out.size() - 4);
        EXPECT_EQ(inner.find(sgr("0")), std::string::npos) << line;
    }
    std::string bob = sgr(chat_name_colour("bob", 3));
    EXPECT_NE(dimmed("[2026-11-30 19:00:01] #rust <bob> hi").find(bob + "<bob>" + sgr("0;2")),
              std::string::npos);
}

TEST(ClientFormat, DimWithoutColourIsPlain) {
    byte_queue q;
    byte_queue_init(&q);
    chat_look look{"alice", false, true};
    std::string line = "[2026-11-30 19:00:01] #rust <bob> hi";
    ASSERT_EQ(chat_format(&q, line.data(), line.size(), &look), 0);
    EXPECT_EQ(std::string(byte_queue_data(&q), byte_queue_length(&q)), line);
    byte_queue_free(&q);
}

}  // namespace
