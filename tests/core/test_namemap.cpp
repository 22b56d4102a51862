// test_namemap.cpp - the name map behind user and room lookup. It folds ASCII
// case only, grows to keep the load at most 1/2, and deletes by backward
// shift (no tombstones): a shift that breaks a probe run makes lookups stop
// early and lose names, so every test checks the run invariant directly on
// the slots, not only through lookups.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <deque>
#include <map>
#include <random>
#include <string>
#include <vector>

extern "C" {
#include "core/namemap.h"
}

namespace {

void *V(size_t i) { return reinterpret_cast<void *>(static_cast<uintptr_t>(i + 1)); }

std::string lower(std::string s)
{
    for (char &ch : s)
        if (ch >= 'A' && ch <= 'Z')
            ch = static_cast<char>(ch - 'A' + 'a');
    return s;
}

class NameMap : public ::testing::Test {
protected:
    name_map m;
    std::deque<std::string> keys; // the map points into these: never moved

    void SetUp() override { name_map_init(&m); }
    void TearDown() override { name_map_free(&m); }

    int put(const std::string &k, void *v)
    {
        keys.push_back(k);
        const std::string &s = keys.back();
        return name_map_put(&m, s.data(), s.size(), v);
    }
    void *get(const std::string &k) const { return name_map_get(&m, k.data(), k.size()); }
    void *remove(const std::string &k) { return name_map_remove(&m, k.data(), k.size()); }
    size_t home(const std::string &k) const { return name_hash(k.data(), k.size()) & (m.cap - 1); }

    // cap a power of two, load <= 1/2, count right, stored hashes right, and
    // every entry reachable from its home slot without crossing an empty one.
    void check_invariants() const
    {
        if (m.cap == 0) {
            ASSERT_EQ(m.count, 0u);
            return;
        }
        ASSERT_EQ(m.cap & (m.cap - 1), 0u) << "cap " << m.cap;
        ASSERT_LE(m.count * 2, m.cap);
        size_t used = 0, mask = m.cap - 1;
        for (size_t i = 0; i < m.cap; i++) {
            const name_slot &s = m.slots[i];
            if (!s.key)
                continue;
            used++;
            ASSERT_EQ(s.hash, name_hash(s.key, s.key_len));
            for (size_t j = s.hash & mask; j != i; j = (j + 1) & mask) {
                ASSERT_NE(m.slots[j].key, nullptr)
                    << "hole at " << j << " between home " << (s.hash & mask) << " and " << i;
            }
            ASSERT_EQ(name_map_get(&m, s.key, s.key_len), s.value);
        }
        ASSERT_EQ(used, m.count);
    }
};

TEST_F(NameMap, EmptyMapFindsAndRemovesNothing)
{
    EXPECT_EQ(get("alice"), nullptr);
    EXPECT_EQ(remove("alice"), nullptr);
    EXPECT_EQ(m.count, 0u);
    check_invariants();
}

TEST_F(NameMap, PutGetRemove)
{
    ASSERT_EQ(put("alice", V(1)), 0);
    ASSERT_EQ(put("bob", V(2)), 0);
    EXPECT_EQ(m.count, 2u);
    EXPECT_EQ(get("alice"), V(1));
    EXPECT_EQ(get("bob"), V(2));
    EXPECT_EQ(get("carol"), nullptr);
    EXPECT_EQ(remove("alice"), V(1));
    EXPECT_EQ(get("alice"), nullptr);
    EXPECT_EQ(remove("alice"), nullptr) << "second remove finds nothing";
    EXPECT_EQ(get("bob"), V(2));
    EXPECT_EQ(m.count, 1u);
    check_invariants();
}

TEST_F(NameMap, PrefixesAreDifferentKeys)
{
    ASSERT_EQ(put("ab", V(1)), 0);
    ASSERT_EQ(put("abc", V(2)), 0);
    EXPECT_EQ(get("a"), nullptr);
    EXPECT_EQ(get("ab"), V(1));
    EXPECT_EQ(get("abc"), V(2));
    EXPECT_EQ(get("abcd"), nullptr);
}

TEST_F(NameMap, AsciiCaseIgnored)
{
    ASSERT_EQ(put("Alice", V(1)), 0);
    EXPECT_EQ(get("alice"), V(1));
    EXPECT_EQ(get("ALICE"), V(1));
    EXPECT_EQ(get("aLiCe"), V(1));
    EXPECT_EQ(name_hash("ALICE", 5), name_hash("alice", 5));
    EXPECT_EQ(remove("ALICE"), V(1)) << "remove folds case too";
    EXPECT_EQ(get("Alice"), nullptr);
    EXPECT_EQ(m.count, 0u);
}

TEST_F(NameMap, OnlyAsciiLettersFold)
{
    // 'É' (C3 89) and 'é' (C3 A9) are different names; so are '@'/'`' and
    // '['/'{', which sit next to the ASCII letter ranges.
    ASSERT_EQ(put("\xC3\x89mile", V(1)), 0);
    EXPECT_EQ(get("\xC3\xA9mile"), nullptr);
    EXPECT_EQ(get("\xC3\x89MILE"), V(1)) << "the ASCII part still folds";
    ASSERT_EQ(put("\xC3\xA9mile", V(2)), 0);
    EXPECT_EQ(get("\xC3\xA9MiLe"), V(2));
    EXPECT_EQ(get("\xC3\x89mile"), V(1));

    ASSERT_EQ(put("a@", V(3)), 0);
    EXPECT_EQ(get("a`"), nullptr);
    EXPECT_EQ(get("A@"), V(3));
    ASSERT_EQ(put("x[", V(4)), 0);
    EXPECT_EQ(get("x{"), nullptr);
    check_invariants();
}

TEST_F(NameMap, GrowsByDoublingAndKeepsEveryKey)
{
    size_t cap = 0, grows = 0;
    for (size_t i = 0; i < 3000; i++) {
        ASSERT_EQ(put("user" + std::to_string(i), V(i)), 0);
        ASSERT_LE(m.count * 2, m.cap);
        if (m.cap != cap) {
            if (cap != 0) {
                EXPECT_EQ(m.cap, cap * 2) << "grows by doubling";
            }
            cap = m.cap;
            grows++;
            for (size_t j = 0; j <= i; j++) {
                ASSERT_EQ(get("USER" + std::to_string(j)), V(j)) << j << " lost in growth to " << cap;
            }
        }
    }
    EXPECT_GE(grows, 5u);
    EXPECT_EQ(m.count, 3000u);
    check_invariants();
}

TEST_F(NameMap, FreeThenReuse)
{
    ASSERT_EQ(put("a", V(1)), 0);
    name_map_free(&m);
    EXPECT_EQ(m.cap, 0u);
    EXPECT_EQ(m.count, 0u);
    EXPECT_EQ(get("a"), nullptr);
    ASSERT_EQ(put("b", V(2)), 0);
    EXPECT_EQ(get("B"), V(2));
}

// Keys chosen by home slot in a 16-slot map (at most 8 keys keep it at 16),
// so runs collide, run into each other and wrap around the end of the table.
// Every key is removed from every position of every insertion order tried,
// then the rest are removed one by one; the run invariant must hold
// throughout.
TEST_F(NameMap, BackwardShiftKeepsProbeRunsIntact)
{
    const std::vector<std::vector<size_t>> patterns = {
        {14, 14, 14, 15, 0, 0, 1},   // one run wrapping past the end
        {3, 3, 5, 5, 4, 7, 7, 3},    // keys whose home lies inside the hole's run
        {15, 15, 15, 15, 15, 15, 2}, // one long wrapping cluster, one loner
        {0, 1, 2, 3, 0, 1, 2, 3},    // interleaved homes
    };
    // Candidate keys by home slot for cap 16.
    std::map<size_t, std::vector<std::string>> by_home;
    for (size_t i = 0; by_home.size() < 16 || i < 4000; i++) {
        std::string k = "k" + std::to_string(i);
        by_home[name_hash(k.data(), k.size()) & 15].push_back(k);
    }
    std::mt19937 rng(12345);
    for (size_t p = 0; p < patterns.size(); p++) {
        std::map<size_t, size_t> used;
        std::vector<std::string> set;
        for (size_t h : patterns[p]) {
            ASSERT_LT(used[h], by_home[h].size());
            set.push_back(by_home[h][used[h]++]);
        }
        for (int order = 0; order < 12; order++) {
            std::vector<size_t> ins(set.size());
            for (size_t i = 0; i < ins.size(); i++)
                ins[i] = i;
            if (order > 0)
                std::shuffle(ins.begin(), ins.end(), rng);
            for (size_t victim = 0; victim < set.size(); victim++) {
                name_map_free(&m);
                keys.clear();
                for (size_t i : ins) {
                    ASSERT_EQ(put(set[i], V(i)), 0);
                }
                ASSERT_EQ(m.cap, 16u);
                for (size_t i = 0; i < set.size(); i++) {
                    ASSERT_EQ(home(set[i]), patterns[p][i]);
                }
                check_invariants();

                ASSERT_EQ(remove(set[victim]), V(victim)) << "pattern " << p;
                check_invariants();
                if (HasFatalFailure())
                    return;
                for (size_t i = 0; i < set.size(); i++) {
                    ASSERT_EQ(get(set[i]), i == victim ? nullptr : V(i))
                        << "pattern " << p << " order " << order << " victim " << victim
                        << " key " << i;
                }

                std::vector<size_t> rest;
                for (size_t i = 0; i < set.size(); i++)
                    if (i != victim)
                        rest.push_back(i);
                std::shuffle(rest.begin(), rest.end(), rng);
                for (size_t n = 0; n < rest.size(); n++) {
                    ASSERT_EQ(remove(set[rest[n]]), V(rest[n]));
                    check_invariants();
                    if (HasFatalFailure())
                        return;
                    for (size_t k = n + 1; k < rest.size(); k++) {
                        ASSERT_EQ(get(set[rest[k]]), V(rest[k]));
                    }
                }
                EXPECT_EQ(m.count, 0u);
            }
        }
    }
}

// 10,000 random names in random case, half removed, against a std::map of
// lower-cased keys; lookups in other cases, of removed and of unknown names.
TEST_F(NameMap, TenThousandRandomNamesAgainstStdMap)
{
    std::mt19937 rng(4242);
    const std::string chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.";
    std::uniform_int_distribution<size_t> len_d(1, 24), ch_d(0, chars.size() - 1);
    auto random_name = [&] {
        std::string s(len_d(rng), 'x');
        for (char &ch : s)
            ch = chars[ch_d(rng)];
        return s;
    };
    auto recase = [&](std::string s) {
        for (char &ch : s)
            if (rng() & 1)
                ch = static_cast<char>(std::isupper(static_cast<unsigned char>(ch))
                                           ? std::tolower(static_cast<unsigned char>(ch))
                                           : std::toupper(static_cast<unsigned char>(ch)));
        return s;
    };

    std::map<std::string, size_t> ref; // lower-cased key -> index
    std::vector<std::string> names;
    while (names.size() < 10000) {
        std::string n = random_name();
        if (ref.count(lower(n))) {
            ASSERT_NE(get(recase(n)), nullptr) << "a present name in another case";
            continue;
        }
        ref[lower(n)] = names.size();
        ASSERT_EQ(put(n, V(names.size())), 0);
        names.push_back(n);
    }
    EXPECT_EQ(m.count, 10000u);
    check_invariants();

    std::vector<size_t> order(names.size());
    for (size_t i = 0; i < order.size(); i++)
        order[i] = i;
    std::shuffle(order.begin(), order.end(), rng);
    for (size_t n = 0; n < 5000; n++) {
        size_t i = order[n];
        ASSERT_EQ(remove(recase(names[i])), V(i));
        ref.erase(lower(names[i]));
    }
    EXPECT_EQ(m.count, 5000u);
    EXPECT_EQ(m.count, ref.size());
    check_invariants();

    for (size_t i = 0; i < names.size(); i++) {
        auto it = ref.find(lower(names[i]));
        void *want = it == ref.end() ? nullptr : V(it->second);
        ASSERT_EQ(get(recase(names[i])), want) << names[i];
    }
    for (int n = 0; n < 10000; n++) {
        std::string s = random_name();
        auto it = ref.find(lower(s));
        ASSERT_EQ(get(s), it == ref.end() ? nullptr : V(it->second)) << s;
    }
}

// Long churn on a small pool: puts, removes and gets mixed, so holes are
// made and filled in every part of every run.
TEST_F(NameMap, ChurnAgainstStdMap)
{
    std::mt19937 rng(99);
    std::vector<std::string> pool;
    for (int i = 0; i < 600; i++)
        pool.push_back("n" + std::to_string(i * 7919 % 100003));
    std::map<std::string, void *> ref;
    for (int step = 0; step < 200000; step++) {
        size_t i = rng() % pool.size();
        const std::string &k = pool[i];
        void *have = ref.count(lower(k)) ? ref[lower(k)] : nullptr;
        switch (rng() % 3) {
        case 0:
            if (!have) {
                ASSERT_EQ(put(k, V(static_cast<size_t>(step))), 0);
                ref[lower(k)] = V(static_cast<size_t>(step));
            }
            break;
        case 1:
            ASSERT_EQ(remove(k), have) << "step " << step;
            ref.erase(lower(k));
            break;
        default:
            ASSERT_EQ(get(k), have) << "step " << step;
        }
        ASSERT_EQ(m.count, ref.size());
        if (step % 10007 == 0) {
            check_invariants();
            if (HasFatalFailure())
                return;
        }
    }
    check_invariants();
    for (const std::string &k : pool) {
        auto it = ref.find(lower(k));
        ASSERT_EQ(get(k), it == ref.end() ? nullptr : it->second);
    }
}

} // namespace
