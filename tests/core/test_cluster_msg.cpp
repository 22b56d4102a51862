// The cluster channel's message envelope (core/cluster_msg.h): encoding,
// strict decoding and the round trip, as plain functions.
#include <gtest/gtest.h>

#include <string>
#include <vector>

extern "C" {
#include "core/cluster_msg.h"
}

namespace {

std::string encode(const char *kind, const std::vector<std::string> &fields, bool *ok = nullptr) {
    std::vector<cluster_field> f;
    for (const auto &s : fields) f.push_back({s.data(), s.size()});
    text_buf b = {};
    bool good = cluster_msg_encode(&b, kind, f.data(), f.size());
    if (ok) *ok = good;
    std::string out = good ? std::string(b.data, b.len) : "";
    tb_free(&b);
    return out;
}

std::string decode_error(const std::string &wire) {
    cluster_msg m;
    char err[200] = "";
    EXPECT_EQ(-1, cluster_msg_decode(wire.data(), wire.size(), &m, err, sizeof err)) << wire;
    return err;
}

}  // namespace

TEST(ClusterMsg, EncodesLengthPrefixedFields) {
    EXPECT_EQ("N1 say 6:node-a 5:#rust 5:alice 2:hi", encode("say", {"node-a", "#rust", "alice", "hi"}));
    EXPECT_EQ("N1 alive", encode("alive", {}));
    EXPECT_EQ("N1 topic 0:", encode("topic", {""}));
}

TEST(ClusterMsg, AnyBytesSurviveTheRoundTrip) {
    const std::string odd("two words\r\nand a \0 NUL 3:x", 27);
    std::string wire = encode("say", {"n", odd, ""});
    cluster_msg m;
    char err[200] = "";
    ASSERT_EQ(0, cluster_msg_decode(wire.data(), wire.size(), &m, err, sizeof err)) << err;
    EXPECT_STREQ("say", m.kind);
    ASSERT_EQ(3u, m.nfields);
    EXPECT_EQ(odd, std::string(m.fields[1].data, m.fields[1].len));
    EXPECT_EQ(0u, m.fields[2].len);
    EXPECT_TRUE(cluster_msg_field_is(&m, 0, "n"));
    EXPECT_FALSE(cluster_msg_field_is(&m, 0, "nn"));
    EXPECT_FALSE(cluster_msg_field_is(&m, 3, "n"));
}

TEST(ClusterMsg, EncodeRefusesWhatDecodeWouldRefuse) {
    bool ok = true;
    encode("Say", {}, &ok);
    EXPECT_FALSE(ok);
    encode("", {}, &ok);
    EXPECT_FALSE(ok);
    encode("a-very-long-kind-word", {}, &ok);
    EXPECT_FALSE(ok);
    encode("say", std::vector<std::string>(CLUSTER_MSG_MAX_FIELDS + 1, "x"), &ok);
    EXPECT_FALSE(ok);
    encode("say", {std::string(CLUSTER_MSG_MAX_FIELD + 1, 'x')}, &ok);
    EXPECT_FALSE(ok);
    encode("say", std::vector<std::string>(CLUSTER_MSG_MAX_FIELDS, "x"), &ok);
    EXPECT_TRUE(ok);
}

TEST(ClusterMsg, MalformedMessagesAreRefusedWithAReason) {
    EXPECT_EQ("not a natter cluster message of version N1", decode_error("N2 say"));
    EXPECT_EQ("not a natter cluster message of version N1", decode_error("hello"));
    EXPECT_EQ("bad message kind", decode_error("N1 "));
    EXPECT_EQ("bad message kind", decode_error("N1 SAY 1:x"));
    EXPECT_EQ("field 1 has no length", decode_error("N1 say "));
    EXPECT_EQ("field 1 has no length", decode_error("N1 say x:1"));
    EXPECT_EQ("field 1 has no length", decode_error("N1 say 12"));
    EXPECT_EQ("field 2 is longer than the message", decode_error("N1 say 1:a 5:abc"));
    EXPECT_EQ("no space before field 2", decode_error("N1 say 1:ab"));
    EXPECT_EQ("field 1 has a leading zero", decode_error("N1 say 01:a"));
    EXPECT_EQ("field 1 is too long", decode_error("N1 say 99999999999999999999999:a"));
    std::string many = "N1 say";
    for (int i = 0; i <= CLUSTER_MSG_MAX_FIELDS; i++) many += " 1:x";
    EXPECT_EQ("more than 12 fields", decode_error(many));
}
