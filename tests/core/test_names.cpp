// test_names.cpp - which names are allowed (ASCII rules, non-ASCII letters,
// no whitespace/control/invisible characters, 24 code points and 64 bytes),
// the messages shown to the user, and case-insensitive equality.
#include <gtest/gtest.h>

#include <string>
#include <vector>

extern "C" {
#include "core/names.h"
}

namespace {

name_status check(const std::string &s) { return name_check(s.data(), s.size()); }

std::string message(name_status st, const std::string &s)
{
    char out[128];
    const char *m = name_status_message(st, s.data(), s.size(), out, sizeof out);
    return m;
}

std::string repeat(const std::string &s, int n)
{
    std::string out;
    for (int i = 0; i < n; i++)
        out += s;
    return out;
}

const std::string ZHANG = "\xE5\xBC\xA0"; // 张, 3 bytes

bool equal(const std::string &a, const std::string &b)
{
    return name_equal(a.data(), a.size(), b.data(), b.size());
}

} // namespace

TEST(Names, Valid)
{
    const std::vector<std::string> valid = {
        "alice", "Bob_1", "a-b.c", "x", "-dash", "_under", "42", "9lives",
        "end.", "a..b",
        ZHANG + "\xE4\xB8\x89",        // 张三
        "Jos\xC3\xA9",                 // José
        "\xD0\x98\xD0\xB2\xD0\xB0\xD0\xBD",   // Иван
        "\xF0\x9F\x98\x80",            // 😀
        repeat("a", 24),
        repeat(ZHANG, 21),             // 21 chars, 63 bytes
        repeat("a", 40 - 24) + repeat("\xC3\xA9", 8), // 24 chars, 32 bytes
    };
    for (const auto &n : valid)
        EXPECT_EQ(check(n), NAME_OK) << ::testing::PrintToString(n);
}

TEST(Names, Invalid)
{
    struct Case {
        std::string name;
        name_status st;
    };
    const std::vector<Case> cases = {
        {"", NAME_EMPTY},
        {"bob!", NAME_BAD_CHAR},
        {"a b", NAME_BAD_CHAR},
        {" bob", NAME_BAD_CHAR},
        {"bob ", NAME_BAD_CHAR},
        {"a@b", NAME_BAD_CHAR},
        {"a/b", NAME_BAD_CHAR},
        {"it's", NAME_BAD_CHAR},
        {"tab\tname", NAME_BAD_CHAR},
        {"bo\x1b[31mb", NAME_BAD_CHAR},          // ESC
        {std::string("a\0b", 3), NAME_BAD_CHAR}, // NUL
        {"a\x7F", NAME_BAD_CHAR},                // DEL
        {"a\xC2\x9B" "b", NAME_BAD_CHAR},        // C1 CSI
        {"a\xC2\xA0" "b", NAME_BAD_CHAR},        // NBSP
        {"a\xE3\x80\x80" "b", NAME_BAD_CHAR},    // ideographic space
        {"a\xE2\x80\x8B" "b", NAME_BAD_CHAR},    // zero width space
        {"a\xE2\x80\x8D" "b", NAME_BAD_CHAR},    // ZWJ
        {"\xEF\xBB\xBF" "bob", NAME_BAD_CHAR},   // BOM
        {"a\xE2\x81\xA0" "b", NAME_BAD_CHAR},    // word joiner
        {"\xE2\x80\xAE" "bob", NAME_BAD_CHAR},   // right-to-left override
        {"\xE3\x85\xA4", NAME_BAD_CHAR},         // Hangul filler (looks blank)
        {".bob", NAME_BAD_START},
        {".", NAME_BAD_START},
        {repeat("a", 25), NAME_TOO_LONG},
        {repeat(ZHANG, 24), NAME_TOO_LONG},      // 24 chars but 72 bytes
        {repeat(ZHANG, 22), NAME_TOO_LONG},      // 66 bytes
        {"bo\xFF", NAME_BAD_UTF8},
        {"\xC0\x80", NAME_BAD_UTF8},             // overlong NUL
        {"a\xED\xA0\x80", NAME_BAD_UTF8},        // surrogate
        {"ab\xE5\xBC", NAME_BAD_UTF8},           // truncated
    };
    for (const auto &c : cases)
        EXPECT_EQ(check(c.name), c.st) << ::testing::PrintToString(c.name);
}

TEST(Names, MessagesForEachStatus)
{
    EXPECT_EQ(message(NAME_EMPTY, ""), "Name cannot be empty.");
    EXPECT_EQ(message(NAME_TOO_LONG, repeat("a", 25)), "Name too long (max 24 characters).");
    EXPECT_EQ(message(NAME_TOO_LONG, repeat(ZHANG, 24)), "Name too long (max 64 bytes of UTF-8).");
    EXPECT_EQ(message(NAME_BAD_START, ".bob"), "Names may not start with '.'.");
    EXPECT_EQ(message(NAME_BAD_UTF8, "\xFF"), "Name is not valid UTF-8.");
    EXPECT_EQ(message(NAME_BAD_CHAR, "bob!"),
              "Names may only contain letters, digits, '_', '-' and '.' (not '!').");
}

TEST(Names, BadCharacterIsDescribedNotEchoed)
{
    struct Case {
        std::string name;
        std::string detail;
    };
    const std::vector<Case> cases = {
        {"a@b!", "(not '@')"},                   // the first bad one
        {"a b", "(not a space)"},
        {"a\xC2\xA0" "b", "(not a space)"},
        {"it's", "(not \"'\")"},
        {"bo\x1b[31m", "(not a control character)"},
        {"a\tb", "(not a control character)"},
        {"a\xC2\x9B" "b", "(not a control character)"},
        {"a\xE2\x80\x8B" "b", "(not an invisible character)"},
        {"\xE2\x80\xAE" "bob", "(not an invisible character)"},
    };
    for (const auto &c : cases) {
        SCOPED_TRACE(::testing::PrintToString(c.name));
        ASSERT_EQ(check(c.name), NAME_BAD_CHAR);
        std::string m = message(NAME_BAD_CHAR, c.name);
        EXPECT_NE(m.find(c.detail), std::string::npos) << m;
        for (unsigned char ch : m)
            EXPECT_TRUE(ch >= 0x20 && ch < 0x7F) << "raw byte in message: " << int(ch);
    }
}

TEST(Names, EveryMessageIsASentence)
{
    for (name_status st : {NAME_OK, NAME_EMPTY, NAME_TOO_LONG, NAME_BAD_CHAR,
                           NAME_BAD_START, NAME_BAD_UTF8}) {
        std::string m = message(st, "x!");
        ASSERT_FALSE(m.empty());
        EXPECT_EQ(m.back(), '.') << m;
        EXPECT_LT(m.size(), 128u);
    }
}

TEST(Names, MessageTruncatesToTheBuffer)
{
    char out[8];
    const char *m = name_status_message(NAME_BAD_CHAR, "bob!", 4, out, sizeof out);
    EXPECT_EQ(m, out);
    EXPECT_EQ(std::string(m), "Names m");
}

TEST(Names, EqualityIgnoresAsciiCaseOnly)
{
    EXPECT_TRUE(equal("Alice", "aLiCe"));
    EXPECT_TRUE(equal("bob_1", "BOB_1"));
    EXPECT_TRUE(equal("Jos\xC3\xA9", "JOS\xC3\xA9"));    // José == JOSé
    EXPECT_FALSE(equal("Jos\xC3\xA9", "JOS\xC3\x89"));   // José != JOSÉ
    EXPECT_FALSE(equal("alice", "alicia"));
    EXPECT_FALSE(equal("alice", "alic"));
    EXPECT_FALSE(equal("@", "`"));                        // 0x40 vs 0x60
    EXPECT_FALSE(equal("[", "{"));
    EXPECT_FALSE(equal("a", "b"));
    EXPECT_TRUE(equal("", ""));
    EXPECT_TRUE(equal(ZHANG, ZHANG));
}
