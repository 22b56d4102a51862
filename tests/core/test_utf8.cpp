// test_utf8.cpp - the strict decoder (overlongs, surrogates, out of range,
// stray and truncated sequences, maximal-subpart lengths), the sanitiser
// that disarms terminal escapes, encode round trips, counting and widths.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

extern "C" {
#include "core/utf8.h"
}

namespace {

const std::string FFFD = "\xEF\xBF\xBD";

std::string sanitize(const std::string &in)
{
    std::string out(UTF8_SANITIZED_MAX(in.size()), '\0');
    size_t n = utf8_sanitize(in.data(), in.size(), &out[0]);
    EXPECT_LE(n, out.size());
    out.resize(n);
    return out;
}

struct DecodeCase {
    std::string bytes;
    uint32_t cp;      // UTF8_INVALID for invalid input
    size_t used;      // bytes consumed (maximal subpart length if invalid)
};

} // namespace

TEST(Utf8, DecodeTable)
{
    const std::vector<DecodeCase> cases = {
        // valid
        {"a", 'a', 1},
        {std::string("\0", 1), 0, 1},
        {"\x7F", 0x7F, 1},
        {"\xC2\x80", 0x80, 2},
        {"\xC3\xA9", 0xE9, 2},                 // é
        {"\xDF\xBF", 0x7FF, 2},
        {"\xE0\xA0\x80", 0x800, 3},            // smallest 3-byte
        {"\xE5\xBC\xA0", 0x5F20, 3},           // 张
        {"\xED\x9F\xBF", 0xD7FF, 3},           // just below surrogates
        {"\xEE\x80\x80", 0xE000, 3},           // just above surrogates
        {"\xEF\xBF\xBD", 0xFFFD, 3},
        {"\xEF\xBF\xBF", 0xFFFF, 3},
        {"\xF0\x90\x80\x80", 0x10000, 4},      // smallest 4-byte
        {"\xF0\x9F\x98\x80", 0x1F600, 4},      // 😀
        {"\xF4\x8F\xBF\xBF", 0x10FFFF, 4},     // largest scalar
        // overlong forms
        {"\xC0\x80", UTF8_INVALID, 1},
        {"\xC1\xBF", UTF8_INVALID, 1},
        {"\xE0\x80\x80", UTF8_INVALID, 1},
        {"\xE0\x9F\xBF", UTF8_INVALID, 1},
        {"\xF0\x80\x80\x80", UTF8_INVALID, 1},
        {"\xF0\x8F\xBF\xBF", UTF8_INVALID, 1},
        // surrogates
        {"\xED\xA0\x80", UTF8_INVALID, 1},
        {"\xED\xBF\xBF", UTF8_INVALID, 1},
        // beyond U+10FFFF
        {"\xF4\x90\x80\x80", UTF8_INVALID, 1},
        {"\xF5\x80\x80\x80", UTF8_INVALID, 1},
        {"\xFE", UTF8_INVALID, 1},
        {"\xFF", UTF8_INVALID, 1},
        // unexpected continuation bytes
        {"\x80", UTF8_INVALID, 1},
        {"\xBF\x80", UTF8_INVALID, 1},
        // truncated at the end: the whole valid prefix is one subpart
        {"\xC3", UTF8_INVALID, 1},
        {"\xE2\x82", UTF8_INVALID, 2},
        {"\xF0\x9F\x98", UTF8_INVALID, 3},
        // interrupted by a non-continuation byte
        {"\xE2\x28\xA1", UTF8_INVALID, 1},
        {"\xE2\x82\x28", UTF8_INVALID, 2},
        {"\xF0\x9F\x41\x41", UTF8_INVALID, 2},
        {"\xC3\xC3\xA9", UTF8_INVALID, 1},
    };
    for (const auto &c : cases) {
        SCOPED_TRACE(::testing::PrintToString(c.bytes));
        uint32_t cp = 0;
        size_t used = utf8_decode(c.bytes.data(), c.bytes.size(), &cp);
        EXPECT_EQ(cp, c.cp);
        EXPECT_EQ(used, c.used);
        EXPECT_EQ(utf8_is_valid(c.bytes.data(), c.bytes.size()),
                  c.cp != UTF8_INVALID && c.used == c.bytes.size());
    }
}

TEST(Utf8, DecodeTakesOneCodePointAtATime)
{
    const std::string s = "a\xC3\xA9\xE5\xBC\xA0\xF0\x9F\x98\x80";
    const std::vector<uint32_t> expected = {'a', 0xE9, 0x5F20, 0x1F600};
    std::vector<uint32_t> got;
    size_t i = 0;
    while (i < s.size()) {
        uint32_t cp = 0;
        i += utf8_decode(s.data() + i, s.size() - i, &cp);
        got.push_back(cp);
    }
    EXPECT_EQ(got, expected);
    EXPECT_TRUE(utf8_is_valid(s.data(), s.size()));
    EXPECT_FALSE(utf8_is_valid((s + "\x80").data(), s.size() + 1));
}

TEST(Utf8, DecodeNeverReadsPastLen)
{
    // A 3-byte sequence cut by len must not look at the byte after it.
    const char buf[] = "\xE5\xBC\xA0";
    uint32_t cp = 0;
    EXPECT_EQ(utf8_decode(buf, 2, &cp), 2u);
    EXPECT_EQ(cp, UTF8_INVALID);
}

TEST(Utf8, EncodeRoundTripsEveryScalarValue)
{
    char out[4];
    for (uint32_t cp = 0; cp <= 0x10FFFF; cp++) {
        if (cp >= 0xD800 && cp <= 0xDFFF)
            continue;
        size_t n = utf8_encode(cp, out);
        size_t expect = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
        ASSERT_EQ(n, expect) << std::hex << cp;
        uint32_t back = 0;
        ASSERT_EQ(utf8_decode(out, n, &back), n) << std::hex << cp;
        ASSERT_EQ(back, cp);
    }
}

TEST(Utf8, EncodeRefusesNonScalarValues)
{
    char out[4];
    for (uint32_t cp : {0xD800u, 0xDFFFu, 0x110000u, 0xFFFFFFFFu}) {
        size_t n = utf8_encode(cp, out);
        EXPECT_EQ(std::string(out, n), FFFD) << std::hex << cp;
    }
}

TEST(Utf8, IsControl)
{
    for (uint32_t cp = 0; cp < 0x20; cp++)
        EXPECT_EQ(utf8_is_control(cp), cp != '\t') << cp;
    EXPECT_FALSE(utf8_is_control(' '));
    EXPECT_FALSE(utf8_is_control('~'));
    EXPECT_TRUE(utf8_is_control(0x7F));
    EXPECT_TRUE(utf8_is_control(0x80));
    EXPECT_TRUE(utf8_is_control(0x9B));
    EXPECT_TRUE(utf8_is_control(0x9F));
    EXPECT_FALSE(utf8_is_control(0xA0));
    EXPECT_FALSE(utf8_is_control(0x5F20));
}

TEST(Utf8, SanitizeTable)
{
    struct Case {
        std::string in;
        std::string out;
    };
    const std::vector<Case> cases = {
        {"plain text", "plain text"},
        {"", ""},
        {"tab\tkept", "tab\tkept"},
        {"caf\xC3\xA9 \xE5\xBC\xA0 \xF0\x9F\x98\x80", "caf\xC3\xA9 \xE5\xBC\xA0 \xF0\x9F\x98\x80"},
        {"\x1B[31mred", FFFD + "[31mred"},            // ESC
        {"ding\x07", "ding" + FFFD},                   // BEL
        {"a\x7F" "b", "a" + FFFD + "b"},               // DEL
        {"\xC2\x9B" "2J", FFFD + "2J"},                // C1 CSI, one U+FFFD
        {std::string("a\0b", 3), "a" + FFFD + "b"},    // NUL
        {"cr\rlf\n", "cr" + FFFD + "lf" + FFFD},
        {"\xC0\x80", FFFD + FFFD},                     // overlong NUL
        {"\xE0\x80\x80", FFFD + FFFD + FFFD},
        {"\xED\xA0\x80", FFFD + FFFD + FFFD},          // surrogate
        {"\xF4\x90\x80\x80", FFFD + FFFD + FFFD + FFFD},
        {"\x80x", FFFD + "x"},
        {"end\xE2\x82", "end" + FFFD},                 // truncated: one
        {"\xE2\x82" "A", FFFD + "A"},
        // The example of the Unicode standard, section 3.9 (U+FFFD
        // substitution of maximal subparts).
        {"\x61\xF1\x80\x80\xE1\x80\xC2\x62\x80\x63\x80\xBF\x64",
         "a" + FFFD + FFFD + FFFD + "b" + FFFD + "c" + FFFD + FFFD + "d"},
        {"\xEF\xBF\xBD", FFFD},                        // U+FFFD itself is fine
    };
    for (const auto &c : cases) {
        SCOPED_TRACE(::testing::PrintToString(c.in));
        EXPECT_EQ(sanitize(c.in), c.out);
    }
}

TEST(Utf8, SanitizeWorstCaseFitsTheBound)
{
    // Every byte becoming U+FFFD is the worst case: exactly 3x.
    std::string in;
    for (int i = 0; i < 32; i++)
        in += static_cast<char>(i == 9 ? 0 : i);
    in += "\x80\xBF\xFF\xC0";
    std::string out = sanitize(in);
    EXPECT_EQ(out.size(), UTF8_SANITIZED_MAX(in.size()));
}

// Random bytes: output is always valid UTF-8, free of controls other than
// TAB, within the bound, and sanitising again changes nothing.
TEST(Utf8, SanitizeRandomBytes)
{
    std::mt19937 rng(2024);
    for (int round = 0; round < 3000; round++) {
        std::string in(rng() % 64, '\0');
        for (auto &c : in) {
            // Bias toward bytes that form (and break) multi-byte sequences.
            unsigned v = rng() % 4 == 0 ? rng() % 0x80 : 0x80 + rng() % 0x80;
            c = static_cast<char>(v);
        }
        std::string out = sanitize(in);
        ASSERT_TRUE(utf8_is_valid(out.data(), out.size()));
        size_t i = 0;
        while (i < out.size()) {
            uint32_t cp = 0;
            i += utf8_decode(out.data() + i, out.size() - i, &cp);
            ASSERT_FALSE(utf8_is_control(cp)) << std::hex << cp;
        }
        ASSERT_EQ(sanitize(out), out);
        // Valid input comes back unchanged unless it holds a control.
        if (utf8_is_valid(in.data(), in.size()) && out.size() == in.size()) {
            ASSERT_EQ(out, in);
        }
    }
}

TEST(Utf8, Count)
{
    EXPECT_EQ(utf8_count("", 0), 0u);
    EXPECT_EQ(utf8_count("abc", 3), 3u);
    EXPECT_EQ(utf8_count("\xE5\xBC\xA0\xE4\xB8\x89", 6), 2u);   // 张三
    EXPECT_EQ(utf8_count("Jos\xC3\xA9", 5), 4u);
    EXPECT_EQ(utf8_count("\xF0\x9F\x98\x80!", 5), 2u);
    EXPECT_EQ(utf8_count("a\x80" "b", 3), 3u);
    EXPECT_EQ(utf8_count("\xE2\x82", 2), 1u);                   // one subpart
}

TEST(Utf8, Width)
{
    struct Case {
        uint32_t cp;
        int width;
    };
    const std::vector<Case> cases = {
        {'a', 1}, {' ', 1}, {0xE9, 1},
        {0x5F20, 2},                      // 张
        {0x0301, 0},                      // combining acute
        {0x02FF, 1}, {0x0300, 0}, {0x036F, 0}, {0x0370, 1},
        {0x1100, 2}, {0x115F, 2}, {0x1160, 1},
        {0x200B, 0}, {0x200D, 0}, {0x200F, 0}, {0x2010, 1},
        {0x20D0, 0}, {0x20FF, 0},
        {0x3000, 2}, {0x3042, 2}, {0x4E00, 2}, {0x9FFF, 2},
        {0xAC00, 2}, {0xD7A3, 2}, {0xD7A4, 1},
        {0xFE0F, 0}, {0xFE20, 0}, {0xFE30, 2},
        {0xFF01, 2}, {0xFF60, 2}, {0xFF61, 1}, {0xFFE6, 2}, {0xFFE7, 1},
        {0x1F600, 2},                     // 😀
        {0x1F64F, 2}, {0x1F650, 1}, {0x1F923, 2},
        {0x20000, 2}, {0x2FFFD, 2}, {0x2FFFE, 1}, {0x3FFFD, 2},
        {0x10FFFF, 1},
    };
    for (const auto &c : cases)
        EXPECT_EQ(utf8_cp_width(c.cp), c.width) << std::hex << c.cp;
}
