// test_lineedit.cpp - the line editor as a pure state machine: keys in, line,
// cursor and terminal output out. The output is run through a one-row model
// of a terminal, so the tests check what a user would see, not the bytes.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

extern "C" {
#include "core/lineedit.h"
#include "core/utf8.h"
}

namespace {

// One terminal row: \r, BEL, CSI K / C / m / H / J, and UTF-8 text with
// wide characters taking two cells. Writing past the last column is a wrap,
// which the editor must never cause.
class Row {
public:
    explicit Row(int cols) : cells_(static_cast<size_t>(cols)) {}

    void write(const std::string &bytes) {
        size_t i = 0;
        while (i < bytes.size()) {
            unsigned char c = static_cast<unsigned char>(bytes[i]);
            if (c == '\r') {
                cursor_ = 0;
                i++;
            } else if (c == '\a') {
                bells_++;
                i++;
            } else if (c == 0x1b) {
                i = escape(bytes, i);
            } else {
                uint32_t cp;
                size_t n = utf8_decode(bytes.data() + i, bytes.size() - i, &cp);
                ASSERT_NE(cp, UTF8_INVALID) << "editor wrote invalid UTF-8";
                ASSERT_FALSE(utf8_is_control(cp)) << "editor wrote control byte " << cp;
                put(bytes.substr(i, n), utf8_cp_width(cp));
                i += n;
            }
        }
    }

    // The visible text, trailing blanks removed.
    std::string text() const {
        std::string s;
        for (const std::string &c : cells_) s += c.empty() ? " " : c == kWideTail ? "" : c;
        while (!s.empty() && s.back() == ' ') s.pop_back();
        return s;
    }
    int cursor() const { return cursor_; }
    int bells() const { return bells_; }
    bool wrapped() const { return wrapped_; }
    int clears() const { return clears_; }

private:
    static constexpr const char *kWideTail = "\x01";

    size_t escape(const std::string &b, size_t i) {
        EXPECT_LT(i + 1, b.size());
        EXPECT_EQ(b[i + 1], '[') << "only CSI sequences expected";
        size_t j = i + 2;
        int num = 0;
        bool have_num = false;
        while (j < b.size() && ((b[j] >= '0' && b[j] <= '9') || b[j] == ';')) {
            if (b[j] != ';') {
                num = num * 10 + (b[j] - '0');
                have_num = true;
            }
            j++;
        }
        EXPECT_LT(j, b.size());
        char final = b[j];
        if (final == 'K') {
            for (size_t k = static_cast<size_t>(cursor_); k < cells_.size(); k++) cells_[k].clear();
        } else if (final == 'C') {
            cursor_ += have_num ? num : 1;
            EXPECT_LT(cursor_, static_cast<int>(cells_.size()));
        } else if (final == 'H') {
            cursor_ = 0;
        } else if (final == 'J') {
            for (std::string &c : cells_) c.clear();
            clears_++;
        } else {
            EXPECT_EQ(final, 'm') << "unexpected CSI final";
        }
        return j + 1;
    }

    void put(const std::string &ch, int width) {
        if (width == 0) {
            if (cursor_ > 0) cells_[static_cast<size_t>(cursor_ - 1)] += ch;
            return;
        }
        if (cursor_ + width > static_cast<int>(cells_.size())) {
            wrapped_ = true;
            return;
        }
        cells_[static_cast<size_t>(cursor_)] = ch;
        if (width == 2) cells_[static_cast<size_t>(cursor_ + 1)] = kWideTail;
        cursor_ += width;
    }

    std::vector<std::string> cells_;
    int cursor_ = 0;
    int bells_ = 0;
    int clears_ = 0;
    bool wrapped_ = false;
};

class LineEdit : public ::testing::Test {
protected:
    void SetUp() override { init(80); }
    void TearDown() override { lineedit_free(&ed_); }

    void init(int cols, size_t max_bytes = 1024, size_t history = 50) {
        ASSERT_EQ(lineedit_init(&ed_, max_bytes, history), 0);
        ASSERT_EQ(lineedit_set_prompt(&ed_, "> ", "1"), 0);
        lineedit_set_columns(&ed_, cols);
        row_ = Row(cols);
    }

    // Feed keys; returns the events (one per submit / quit) in order.
    std::vector<int> type(const std::string &keys) {
        std::vector<int> events;
        size_t off = 0;
        while (off < keys.size()) {
            int ev = LINEEDIT_NONE;
            size_t used = lineedit_feed(&ed_, keys.data() + off, keys.size() - off, &ev);
            EXPECT_GT(used, 0u);
            off += used;
            flush();
            if (ev != LINEEDIT_NONE) events.push_back(ev);
            if (ev == LINEEDIT_SUBMIT) {
                size_t n;
                const char *s = lineedit_submitted(&ed_, &n);
                submitted_.emplace_back(s, n);
            }
        }
        return events;
    }

    void flush() {
        size_t n;
        const char *out = lineedit_output(&ed_, &n);
        row_.write(std::string(out, n));
        lineedit_output_taken(&ed_);
    }

    std::string buffer() const {
        size_t n;
        const char *s = lineedit_buffer(&ed_, &n);
        return std::string(s, n);
    }
    size_t cursor() const { return lineedit_cursor(&ed_); }

    line_editor ed_{};
    Row row_{80};
    std::vector<std::string> submitted_;
};

const std::string kLeft = "\x1b[D", kRight = "\x1b[C", kUp = "\x1b[A", kDown = "\x1b[B";
const std::string kDelete = "\x1b[3~";

TEST_F(LineEdit, InsertsAsciiAndDrawsPromptAndText) {
    EXPECT_TRUE(type("hello").empty());
    EXPECT_EQ(buffer(), "hello");
    EXPECT_EQ(cursor(), 5u);
    EXPECT_EQ(row_.text(), "> hello");
    EXPECT_EQ(row_.cursor(), 7);
    EXPECT_EQ(lineedit_cursor_column(&ed_), 7);
}

TEST_F(LineEdit, CjkAndEmojiTakeTwoColumns) {
    type("你好");
    EXPECT_EQ(buffer(), "你好");
    EXPECT_EQ(cursor(), 6u);
    EXPECT_EQ(row_.text(), "> 你好");
    EXPECT_EQ(row_.cursor(), 2 + 4);
    type("\xF0\x9F\x98\x80x");  // U+1F600 then 'x'
    EXPECT_EQ(buffer(), "你好\xF0\x9F\x98\x80x");
    EXPECT_EQ(row_.cursor(), 2 + 4 + 2 + 1);
}

TEST_F(LineEdit, CursorMovesByWholeCharacters) {
    type("a你\xF0\x9F\x98\x80" "b");
    type(kLeft);
    EXPECT_EQ(cursor(), 1u + 3 + 4);
    EXPECT_EQ(row_.cursor(), 2 + 1 + 2 + 2);
    type(kLeft);
    EXPECT_EQ(cursor(), 1u + 3);
    EXPECT_EQ(row_.cursor(), 2 + 1 + 2);
    type("\x1bOD");  // SS3 Left
    EXPECT_EQ(cursor(), 1u);
    EXPECT_EQ(row_.cursor(), 3);
    type(kRight);
    EXPECT_EQ(cursor(), 4u);
    EXPECT_EQ(row_.cursor(), 5);
    type("\x02");  // Ctrl-B
    EXPECT_EQ(cursor(), 1u);
    type("\x06");  // Ctrl-F
    EXPECT_EQ(cursor(), 4u);
    // Inserting in the middle keeps the text around it intact.
    type("字");
    EXPECT_EQ(buffer(), "a你字\xF0\x9F\x98\x80" "b");
    EXPECT_EQ(row_.text(), "> a你字\xF0\x9F\x98\x80" "b");
    EXPECT_EQ(row_.cursor(), 2 + 1 + 2 + 2);
}

TEST_F(LineEdit, BackspaceOverCjkDeletesAllItsBytes) {
    type("x你好");
    type("\x7f");
    EXPECT_EQ(buffer(), "x你");
    EXPECT_EQ(row_.text(), "> x你");
    type("\x08");  // Ctrl-H is Backspace too
    EXPECT_EQ(buffer(), "x");
    EXPECT_EQ(row_.cursor(), 3);
    type("\x7f\x7f");  // past the start: rings the bell, no damage
    EXPECT_EQ(buffer(), "");
    EXPECT_EQ(row_.bells(), 1);
    EXPECT_EQ(row_.text(), ">");
}

TEST_F(LineEdit, DeleteRemovesTheCharacterUnderTheCursor) {
    type("你好吗");
    type("\x01" + kDelete);
    EXPECT_EQ(buffer(), "好吗");
    EXPECT_EQ(cursor(), 0u);
    type(kRight + "\x04");  // Ctrl-D on a non-empty line deletes too
    EXPECT_EQ(buffer(), "好");
    EXPECT_EQ(row_.text(), "> 好");
}

TEST_F(LineEdit, CombiningMarkStaysWithItsBaseCharacter) {
    type("e\xCC\x81" "x");  // e + COMBINING ACUTE ACCENT, x
    type(kLeft + kLeft);
    EXPECT_EQ(cursor(), 0u);
    type(kRight);
    EXPECT_EQ(cursor(), 3u);
    type("\x7f");
    EXPECT_EQ(buffer(), "x");
}

TEST_F(LineEdit, HomeAndEndInEveryEncoding) {
    const char *homes[] = {"\x01", "\x1b[H", "\x1b[1~", "\x1b[7~", "\x1bOH"};
    const char *ends[] = {"\x05", "\x1b[F", "\x1b[4~", "\x1b[8~", "\x1bOF"};
    type("abc你");
    for (const char *home : homes) {
        type("\x05");
        type(home);
        EXPECT_EQ(cursor(), 0u) << "home key " << home + 1;
        EXPECT_EQ(row_.cursor(), 2);
    }
    for (const char *end : ends) {
        type("\x01");
        type(end);
        EXPECT_EQ(cursor(), 6u) << "end key " << end + 1;
        EXPECT_EQ(row_.cursor(), 2 + 3 + 2);
    }
    EXPECT_EQ(buffer(), "abc你");
}

TEST_F(LineEdit, CtrlUKillsToStartAndCtrlKToEnd) {
    type("hello world");
    type(kLeft + kLeft + kLeft + kLeft + kLeft + "\x15");
    EXPECT_EQ(buffer(), "world");
    EXPECT_EQ(cursor(), 0u);
    EXPECT_EQ(row_.text(), "> world");
    type(kRight + kRight + "\x0b");
    EXPECT_EQ(buffer(), "wo");
}

TEST_F(LineEdit, CtrlWDeletesTheWordBeforeTheCursor) {
    type("say 你好 world  ");
    type("\x17");
    EXPECT_EQ(buffer(), "say 你好 ");
    type("\x17");
    EXPECT_EQ(buffer(), "say ");
    EXPECT_EQ(row_.text(), "> say");
    EXPECT_EQ(row_.cursor(), 6);
}

TEST_F(LineEdit, WordMovesWithAltAndCtrlArrows) {
    type("one two three");
    type("\x1b" "b");
    EXPECT_EQ(cursor(), 8u);
    type("\x1b[1;5D");
    EXPECT_EQ(cursor(), 4u);
    type("\x1b" "f");
    EXPECT_EQ(cursor(), 7u);
    type("\x1b[1;3C");
    EXPECT_EQ(cursor(), 13u);
}

TEST_F(LineEdit, EnterSubmitsOnceForCrLfAndLf) {
    std::vector<int> ev = type("one\r\ntwo\rthree\n\n");
    // CR LF is one line end; the last LF alone submits an empty line.
    ASSERT_EQ(ev.size(), 4u);
    for (int e : ev) EXPECT_EQ(e, LINEEDIT_SUBMIT);
    ASSERT_EQ(submitted_.size(), 4u);
    EXPECT_EQ(submitted_[0], "one");
    EXPECT_EQ(submitted_[1], "two");
    EXPECT_EQ(submitted_[2], "three");
    EXPECT_EQ(submitted_[3], "");
    EXPECT_EQ(buffer(), "");
    EXPECT_EQ(row_.text(), ">");
}

TEST_F(LineEdit, FeedStopsAtTheEventAndReportsBytesUsed) {
    std::string keys = "ab\rcd";
    int ev = LINEEDIT_NONE;
    size_t used = lineedit_feed(&ed_, keys.data(), keys.size(), &ev);
    EXPECT_EQ(used, 3u);
    EXPECT_EQ(ev, LINEEDIT_SUBMIT);
    size_t n;
    const char *s = lineedit_submitted(&ed_, &n);
    EXPECT_EQ(std::string(s, n), "ab");
    used = lineedit_feed(&ed_, keys.data() + 3, keys.size() - 3, &ev);
    EXPECT_EQ(used, 2u);
    EXPECT_EQ(ev, LINEEDIT_NONE);
    EXPECT_EQ(buffer(), "cd");
}

TEST_F(LineEdit, CtrlCAndCtrlDOnEmptyLineQuit) {
    EXPECT_EQ(type("\x04"), std::vector<int>{LINEEDIT_QUIT});
    EXPECT_EQ(type("abc\x03"), std::vector<int>{LINEEDIT_QUIT});
    EXPECT_EQ(buffer(), "abc");
    EXPECT_TRUE(type("\x01\x04").empty());  // not empty: deletes instead
    EXPECT_EQ(buffer(), "bc");
}

TEST_F(LineEdit, HistoryRecallsEarlierLinesAndKeepsTheDraft) {
    type("one\rtwo\rtwo\r\rdraft");  // duplicates and empty lines not kept
    type(kUp);
    EXPECT_EQ(buffer(), "two");
    EXPECT_EQ(cursor(), 3u);
    EXPECT_EQ(row_.text(), "> two");
    type(kUp);
    EXPECT_EQ(buffer(), "one");
    type(kUp);  // no older line
    EXPECT_EQ(buffer(), "one");
    EXPECT_EQ(row_.bells(), 1);
    type(kDown);
    EXPECT_EQ(buffer(), "two");
    type("\x0e");  // Ctrl-N
    EXPECT_EQ(buffer(), "draft");
    type("\x10");  // Ctrl-P
    EXPECT_EQ(buffer(), "two");
    // Submitting a recalled (edited) line adds it as the newest.
    type("!\r");
    type(kUp);
    EXPECT_EQ(buffer(), "two!");
}

TEST_F(LineEdit, HistoryDropsTheOldestWhenFull) {
    lineedit_free(&ed_);
    init(80, 1024, 2);
    type("a\rb\rc\r");
    type(kUp + kUp + kUp);
    EXPECT_EQ(buffer(), "b");
}

TEST_F(LineEdit, InvalidUtf8InputIsNeverInsertedRaw) {
    // Stray continuation, bad lead bytes, a truncated character, a UTF-16
    // surrogate, an overlong '/', a code point above U+10FFFF.
    type("a\x80\xff\xfe" "b\xE4\xBD" "c\xED\xA0\x80" "d\xC0\xAF" "e\xF4\x90\x80\x80" "f");
    EXPECT_EQ(buffer(), "abcdef");
    EXPECT_EQ(row_.text(), "> abcdef");
}

TEST_F(LineEdit, ControlCharactersAndUnknownSequencesAreNotInserted) {
    type("a\x1b[31mb\x07\x1b[15~c\x1b[200~d\x1bOPe\x1b[1;5Af\t");
    EXPECT_EQ(buffer(), "abcdef ");  // TAB becomes a space
}

TEST_F(LineEdit, InputSplitAcrossReadsIsReassembled) {
    std::string keys = "你" + kLeft + "\x1b[3~" + "好";
    for (char c : keys) type(std::string(1, c));
    EXPECT_EQ(buffer(), "好");
    EXPECT_EQ(row_.text(), "> 好");
}

TEST_F(LineEdit, RandomBytesKeepTheLineValid) {
    std::mt19937 rng(12345);
    lineedit_free(&ed_);
    init(20, 200);
    for (int round = 0; round < 2000; round++) {
        std::string keys;
        int n = static_cast<int>(rng() % 8) + 1;
        for (int i = 0; i < n; i++) keys += static_cast<char>(rng() % 256);
        type(keys);
        std::string b = buffer();
        ASSERT_TRUE(utf8_is_valid(b.data(), b.size()));
        ASSERT_LE(b.size(), 200u);
        ASSERT_LE(cursor(), b.size());
        ASSERT_TRUE(cursor() == b.size() || (static_cast<unsigned char>(b[cursor()]) & 0xC0) != 0x80);
        ASSERT_FALSE(row_.wrapped());
        ASSERT_LT(row_.cursor(), 20);
        if (HasFatalFailure()) return;
    }
}

TEST_F(LineEdit, LongLineScrollsToKeepTheCursorVisible) {
    lineedit_free(&ed_);
    init(20);
    std::string text;
    for (int i = 0; i < 50; i++) text += static_cast<char>('a' + i % 26);
    type(text);
    EXPECT_FALSE(row_.wrapped());
    EXPECT_EQ(row_.cursor(), 18);  // the last column stays empty
    // The end of the line is shown, right before the cursor.
    std::string shown = row_.text();
    EXPECT_EQ(shown.substr(0, 2), "> ");
    EXPECT_EQ(shown.substr(2), text.substr(text.size() - 16));
    type("\x01");
    EXPECT_EQ(row_.cursor(), 2);
    EXPECT_EQ(row_.text().substr(2), text.substr(0, 17));
    // Walk right past the window's edge: the cursor stays on screen.
    for (int i = 0; i < 30; i++) {
        type(kRight);
        ASSERT_LE(row_.cursor(), 18);
        ASSERT_GE(row_.cursor(), 2);
    }
    EXPECT_FALSE(row_.wrapped());
    // Deleting back to a short line shows it from the start again.
    type("\x05");
    for (int i = 0; i < 45; i++) type("\x7f");
    EXPECT_EQ(row_.text(), "> abcde");
    EXPECT_EQ(row_.cursor(), 7);
}

TEST_F(LineEdit, LongWideLineScrollsWithoutSplittingCharacters) {
    lineedit_free(&ed_);
    init(21);
    std::string text;
    for (int i = 0; i < 30; i++) text += "字";
    type(text);
    EXPECT_FALSE(row_.wrapped());
    EXPECT_LE(row_.cursor(), 19);
    EXPECT_EQ((row_.cursor() - 2) % 2, 0);  // after a whole wide character
    type("\x01");
    EXPECT_EQ(row_.cursor(), 2);
    // 18 columns for input: nine wide characters fit.
    EXPECT_EQ(row_.text(), "> " + text.substr(0, 9 * 3));
    for (int i = 0; i < 20; i++) type(kRight);
    EXPECT_LE(row_.cursor(), 19);
    EXPECT_EQ(lineedit_cursor_column(&ed_), row_.cursor());
}

TEST_F(LineEdit, NarrowTerminalDropsThePromptNotTheInput) {
    lineedit_free(&ed_);
    init(8);
    type("abc");
    EXPECT_EQ(row_.text(), "abc");
    EXPECT_EQ(row_.cursor(), 3);
}

TEST_F(LineEdit, MaximumLengthIsEnforced) {
    lineedit_free(&ed_);
    init(80, 5);
    type("abcd你");  // 4 + 3 bytes: the CJK character does not fit
    EXPECT_EQ(buffer(), "abcd");
    EXPECT_EQ(row_.bells(), 1);
    type("e");
    EXPECT_EQ(buffer(), "abcde");
}

TEST_F(LineEdit, HideClearsTheRowAndRedrawRestoresIt) {
    type("partial 输入");
    type(kLeft);
    int col = row_.cursor();
    lineedit_hide(&ed_);
    flush();
    EXPECT_EQ(row_.text(), "");
    EXPECT_EQ(row_.cursor(), 0);
    lineedit_redraw(&ed_);
    flush();
    EXPECT_EQ(row_.text(), "> partial 输入");
    EXPECT_EQ(row_.cursor(), col);
}

TEST_F(LineEdit, CtrlLClearsTheScreenAndRedraws) {
    type("abc\x0c");
    EXPECT_EQ(row_.clears(), 1);
    EXPECT_EQ(row_.text(), "> abc");
}

TEST_F(LineEdit, SetBufferDropsInvalidBytes) {
    EXPECT_EQ(lineedit_set_buffer(&ed_, "a\xff\x01" "b", 4), 0);
    EXPECT_EQ(buffer(), "ab");
    EXPECT_EQ(cursor(), 2u);
}

TEST_F(LineEdit, PromptChangeIsRedrawn) {
    type("x");
    ASSERT_EQ(lineedit_set_prompt(&ed_, "名前: ", nullptr), 0);
    lineedit_redraw(&ed_);
    flush();
    EXPECT_EQ(row_.text(), "名前: x");
    EXPECT_EQ(row_.cursor(), 4 + 2 + 1);
}

// ---- Tab completion through the hook ------------------------------------

// A stand-in for the client's candidate store: ASCII-case-insensitive prefix
// match, longest common prefix cut back to a character boundary.
struct Candidates {
    std::vector<std::string> words;
    int calls = 0;
};

char fold(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

size_t complete_hook(void *arg, const char *word, size_t len, char *out, size_t cap,
                     size_t *out_len) {
    Candidates *c = static_cast<Candidates *>(arg);
    c->calls++;
    std::vector<std::string> hits;
    for (const std::string &w : c->words) {
        if (w.size() < len) continue;
        bool ok = true;
        for (size_t i = 0; i < len && ok; i++) ok = fold(w[i]) == fold(word[i]);
        if (ok) hits.push_back(w);
    }
    *out_len = 0;
    if (hits.empty()) return 0;
    size_t common = hits[0].size();
    for (const std::string &h : hits) {
        size_t k = 0;
        while (k < common && k < h.size() && fold(h[k]) == fold(hits[0][k])) k++;
        common = k;
    }
    while (common > 0 && common < hits[0].size() &&
           (static_cast<unsigned char>(hits[0][common]) & 0xC0) == 0x80)
        common--;
    if (common > cap) common = cap;
    memcpy(out, hits[0].data(), common);
    *out_len = common;
    return hits.size();
}

class LineEditComplete : public LineEdit {
protected:
    void SetUp() override {
        LineEdit::SetUp();
        lineedit_set_completion(&ed_, complete_hook, &cands_);
    }
    std::string word() const {
        size_t n;
        const char *s = lineedit_word(&ed_, &n);
        return std::string(s, n);
    }
    Candidates cands_;
};

TEST_F(LineEditComplete, UniqueMatchCompletesWithASpace) {
    cands_.words = {"alice", "bob", "#rust"};
    EXPECT_TRUE(type("hi b\t").empty());
    EXPECT_EQ(buffer(), "hi bob ");
    EXPECT_EQ(row_.text(), "> hi bob");
    EXPECT_EQ(row_.cursor(), 2 + 7);
    type("/join #r\t");
    EXPECT_EQ(buffer(), "hi bob /join #rust ");
    EXPECT_EQ(row_.bells(), 0);
}

TEST_F(LineEditComplete, MatchIgnoresAsciiCaseAndTakesTheCandidatesSpelling) {
    cands_.words = {"Alice"};
    type("ALI\t");
    EXPECT_EQ(buffer(), "Alice ");
}

TEST_F(LineEditComplete, Utf8NamesCompleteWhole) {
    cands_.words = {"张三", "José", "Josh"};
    type("张\t");
    EXPECT_EQ(buffer(), "张三 ");
    EXPECT_EQ(row_.text(), "> 张三");
    EXPECT_EQ(row_.cursor(), 2 + 4 + 1);
    type("Jos\t");
    EXPECT_EQ(buffer(), "张三 Jos");    // José / Josh: no longer common prefix
    type("\xC3\xA9\t");
    EXPECT_EQ(buffer(), "张三 José ");
}

TEST_F(LineEditComplete, CommonPrefixStopsBeforeASharedLeadByte) {
    // "José" and "Josè" share the bytes "Jos\xC3" but only the characters "Jos".
    cands_.words = {"José", "Josè"};
    type("J\t");
    EXPECT_EQ(buffer(), "Jos");
    type("\t");
    EXPECT_EQ(buffer(), "Jos");
}

TEST_F(LineEditComplete, SeveralMatchesCompleteTheCommonPrefixThenList) {
    cands_.words = {"alice", "alison", "bob"};
    EXPECT_TRUE(type("a\t").empty());
    EXPECT_EQ(buffer(), "ali");
    EXPECT_EQ(row_.bells(), 0);
    // Nothing more to add: the next Tab asks for the list, as in bash.
    EXPECT_EQ(type("\t"), std::vector<int>{LINEEDIT_LIST});
    EXPECT_EQ(word(), "ali");
    EXPECT_EQ(buffer(), "ali");
    EXPECT_EQ(type("\t"), std::vector<int>{LINEEDIT_LIST});   // keeps listing
    EXPECT_EQ(row_.bells(), 0);
}

TEST_F(LineEditComplete, AmbiguousWithoutProgressRingsThenLists) {
    cands_.words = {"alice", "alison"};
    EXPECT_TRUE(type("ali\t").empty());
    EXPECT_EQ(row_.bells(), 1);
    EXPECT_EQ(type("\t"), std::vector<int>{LINEEDIT_LIST});
    EXPECT_EQ(buffer(), "ali");
}

TEST_F(LineEditComplete, AnotherKeyBetweenTabsDoesNotList) {
    cands_.words = {"alice", "alison"};
    type("ali\t");
    EXPECT_EQ(row_.bells(), 1);
    type(kLeft + kRight);
    EXPECT_TRUE(type("\t").empty());
    EXPECT_EQ(row_.bells(), 2);
}

TEST_F(LineEditComplete, NoMatchOrNoWordRingsTheBell) {
    cands_.words = {"alice"};
    type("zed\t");
    EXPECT_EQ(buffer(), "zed");
    EXPECT_EQ(row_.bells(), 1);
    type(" \t");
    EXPECT_EQ(buffer(), "zed ");
    EXPECT_EQ(row_.bells(), 2);
    EXPECT_EQ(cands_.calls, 1);   // an empty word never reaches the hook
}

TEST_F(LineEditComplete, WordInTheMiddleStepsOverTheFollowingSpace) {
    cands_.words = {"bob"};
    type("hi bo there");
    type(std::string(6, '\x02'));  // six Ctrl-B: back to just after "bo"
    EXPECT_EQ(word(), "bo");
    type("\t");
    EXPECT_EQ(buffer(), "hi bob there");
    EXPECT_EQ(cursor(), 7u);
    type("x");
    EXPECT_EQ(buffer(), "hi bob xthere");
}

TEST_F(LineEditComplete, BadBytesFromTheHookAreDroppedAndTheLimitHolds) {
    lineedit_free(&ed_);
    init(80, 8);
    lineedit_set_completion(&ed_, complete_hook, &cands_);
    cands_.words = {"a\x1b[2Jb\xFF" "c"};
    type("a\t");
    EXPECT_EQ(buffer(), "a[2Jbc ");
    type("\x15" "a\t");
    EXPECT_EQ(buffer(), "a[2Jbc ");
    cands_.words = {"abcdefghijk"};
    type("\x15" "ab\t");
    EXPECT_LE(buffer().size(), 8u);
    EXPECT_EQ(buffer(), "abcdefgh");
    EXPECT_GE(row_.bells(), 1);
}

TEST_F(LineEdit, WithoutAHookTabTypesASpace) {
    type("a\tb");
    EXPECT_EQ(buffer(), "a b");
}

}  // namespace
