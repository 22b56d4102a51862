// test_client_format.cpp - how the client colours server lines: the text is
// never changed (only SGR sequences are added), names have stable colours
// ignoring ASCII case, the own name is bold, errors red, notices dim.
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

}  // namespace
