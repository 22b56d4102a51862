// test_client_known.cpp - the client's Tab completion candidates: which
// names and rooms it learns from v1 and v2 server lines, which it forgets,
// and how a word matches them (ASCII case ignored, UTF-8 kept whole).
#include <gtest/gtest.h>

#include <string>
#include <vector>

extern "C" {
#include "apps/client/known.h"
}

namespace {

class Known : public ::testing::Test {
protected:
    void SetUp() override { ASSERT_EQ(known_init(&k_), 0); }
    void TearDown() override { known_free(&k_); }

    void learn(const std::string &line, bool history = false) {
        known_learn(&k_, line.data(), line.size(), history);
    }
    static std::vector<std::string> all(const known_set &set) {
        std::vector<std::string> v;
        for (size_t i = 0; i < set.count; i++) v.emplace_back(set.items[i].text, set.items[i].len);
        return v;
    }
    std::vector<std::string> names() const { return all(k_.names); }
    std::vector<std::string> rooms() const { return all(k_.rooms); }

    // The completion of word and the number of matches.
    std::pair<std::string, size_t> complete(const std::string &word) {
        char out[256];
        size_t len = 99;
        size_t n = known_complete(&k_, word.data(), word.size(), out, sizeof out, &len);
        return {std::string(out, len), n};
    }
    std::string list(const std::string &word, size_t max = 10) {
        byte_queue q;
        byte_queue_init(&q);
        known_list_matches(&k_, word.data(), word.size(), max, &q);
        std::string s(byte_queue_data(&q), byte_queue_length(&q));
        byte_queue_free(&q);
        return s;
    }

    known_words k_;
};

using V = std::vector<std::string>;

TEST_F(Known, NamesFromV1Lines) {
    learn("*** You are alice. Online (3): alice, bob, carol.. Type /help for commands.");
    EXPECT_EQ(names(), (V{"alice", "bob", "carol."}));
    learn("*** Online (2): dave, alice");
    learn("[12:00:00] <erin> hi <x> there");
    learn("[12:00:00] * frank waves * at you");
    learn("[12:00:00] *gina* psst");
    learn("[12:00:00] -> *hal* psst back");
    learn("[12:00:00] *** ivan joined");
    EXPECT_EQ(names(), (V{"alice", "bob", "carol.", "dave", "erin", "frank", "gina", "hal", "ivan"}));
    learn("[12:00:00] *** bob left (quit: bye)");
    learn("[12:00:00] *** carol. left (connection closed)");
    learn("[12:00:00] *** dave is now known as Dave2");
    EXPECT_EQ(names(), (V{"alice", "erin", "frank", "gina", "hal", "ivan", "Dave2"}));
    EXPECT_TRUE(rooms().empty());
}

TEST_F(Known, NamesAndRoomsFromV2Lines) {
    learn("*** You are alice. 3 user(s) online in 2 room(s). Type /help for commands.");
    EXPECT_TRUE(names().empty());
    learn("[12:00:00] #lobby *** alice joined");
    learn("*** Topic of #lobby: hello all (set by bob, 2026-12-01 19:00:01)");
    learn("*** Members of #lobby (3): @bob, carol, alice");
    learn("*** History of #lobby (1 lines):");
    learn("[2026-11-30 19:00:01] #lobby <zed> old", true);
    learn("[2026-11-30 19:00:01] #lobby *** carol left (part)", true);  // history: kept
    learn("*** End of history of #lobby.");
    learn("*** Now talking in #lobby.");
    learn("[12:00:00] #rust <dave> hi");
    learn("[12:00:00] #rust *** erin kicked frank (spam)");
    learn("[12:00:00] #rust *** gina made hal an operator");
    learn("[12:00:00] #rust *** ivan took operator status from jo");
    learn("[12:00:00] #rust *** kim set the topic: x y");
    learn("[12:00:00] #rust *** lee is now an operator");
    EXPECT_EQ(names(), (V{"alice", "bob", "carol", "zed", "dave", "erin", "frank", "gina", "hal",
                          "ivan", "jo", "kim", "lee"}));
    learn("[12:00:00] #rust *** dave left (part: bye)");
    learn("[12:00:00] *** erin left (quit)");
    EXPECT_EQ(names(), (V{"alice", "bob", "carol", "zed", "frank", "gina", "hal", "ivan", "jo",
                          "kim", "lee"}));
    learn("*** Rooms (3):");
    learn("***   #lobby (5): topic text here");
    learn("***   #go (0)");
    learn("*** End of rooms.");
    learn("*** #c has no topic.");
    learn("*** Now talking in no room. Type /join ROOM to join one.");
    EXPECT_EQ(rooms(), (V{"#lobby", "#rust", "#go", "#c"}));
}

TEST_F(Known, ChatTextAndGarbageAreNotLearned) {
    learn("[12:00:00] <bob> *** Now talking in #evil. <mallory> hi");
    learn("[12:00:00] <bob!> hi");            // not a valid name
    learn("[12:00:00] <unterminated");
    learn("*** Members of #r (2): a b, @");  // neither is a name
    learn("! No user named zed.");
    learn("plain");
    EXPECT_EQ(names(), (V{"bob"}));
    EXPECT_EQ(rooms(), (V{"#r"}));
}

TEST_F(Known, SameNameIgnoringCaseKeepsItsPlaceAndTakesTheNewSpelling) {
    learn("*** Members of #r (2): alice, bob");
    learn("[12:00:00] *** ALICE joined");
    EXPECT_EQ(names(), (V{"ALICE", "bob"}));
    learn("*** Now talking in #R.");
    EXPECT_EQ(rooms(), (V{"#R"}));
}

TEST_F(Known, TheOldestGoesWhenFull) {
    for (int i = 0; i < KNOWN_MAX + 5; i++) learn("[12:00:00] *** u" + std::to_string(i) + " joined");
    EXPECT_EQ(names().size(), static_cast<size_t>(KNOWN_MAX));
    EXPECT_EQ(names().front(), "u5");
}

TEST_F(Known, CompletesNamesAndRoomsByPrefixIgnoringCase) {
    learn("*** Members of #rust (3): @Alice, alison, bob");
    learn("*** Now talking in #ruby.");
    learn("*** Now talking in #lobby.");
    EXPECT_EQ(complete("b"), std::make_pair(std::string("bob"), size_t{1}));
    EXPECT_EQ(complete("BO"), std::make_pair(std::string("bob"), size_t{1}));
    EXPECT_EQ(complete("a"), std::make_pair(std::string("Ali"), size_t{2}));
    EXPECT_EQ(complete("alis"), std::make_pair(std::string("alison"), size_t{1}));
    EXPECT_EQ(complete("z"), std::make_pair(std::string(""), size_t{0}));
    EXPECT_EQ(complete("#"), std::make_pair(std::string("#"), size_t{3}));
    EXPECT_EQ(complete("#r"), std::make_pair(std::string("#ru"), size_t{2}));
    EXPECT_EQ(complete("#L"), std::make_pair(std::string("#lobby"), size_t{1}));
    EXPECT_EQ(complete("l"), std::make_pair(std::string(""), size_t{0}));  // rooms need '#'
}

TEST_F(Known, Utf8NamesCompleteOnCharacterBoundaries) {
    learn("*** Members of #r (4): 张三, 张伟, José, Josè");
    EXPECT_EQ(complete("张"), std::make_pair(std::string("张"), size_t{2}));
    EXPECT_EQ(complete("张三"), std::make_pair(std::string("张三"), size_t{1}));
    // Both start with "Jos\xC3": the common prefix is "Jos", not half of é.
    EXPECT_EQ(complete("J"), std::make_pair(std::string("Jos"), size_t{2}));
    EXPECT_EQ(complete("José"), std::make_pair(std::string("José"), size_t{1}));
    EXPECT_EQ(complete("jOS"), std::make_pair(std::string("Jos"), size_t{2}));
}

TEST_F(Known, ListsMatchesWithALimit) {
    learn("*** Members of #r (4): al, alan, alice, bob");
    EXPECT_EQ(list("al"), "al  alan  alice");
    EXPECT_EQ(list("al", 2), "al  alan  (1 more)");
    EXPECT_EQ(list("x"), "");
}

}  // namespace
