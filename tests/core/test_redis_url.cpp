// --cluster redis://... parsing (core/redis_url.h): plain functions, so this
// runs everywhere, Windows included; and builds without hiredis refuse the
// link with one clear line.
#include <gtest/gtest.h>

#include <string>

extern "C" {
#include "core/redis_link.h"
#include "core/redis_url.h"
}

namespace {

redis_url parse_ok(const char *s) {
    redis_url u;
    char err[200] = "";
    EXPECT_EQ(0, redis_url_parse(s, &u, err, sizeof err)) << s << ": " << err;
    return u;
}

std::string parse_error(const char *s) {
    redis_url u;
    char err[200] = "";
    EXPECT_EQ(-1, redis_url_parse(s, &u, err, sizeof err)) << s;
    return err;
}

}  // namespace

TEST(RedisUrl, HostAloneTakesTheDefaults) {
    redis_url u = parse_ok("redis://127.0.0.1");
    EXPECT_STREQ("127.0.0.1", u.host);
    EXPECT_EQ(6379, u.port);
    EXPECT_EQ(0, u.db);
    EXPECT_STREQ("", u.password);
}

TEST(RedisUrl, PortAndDatabase) {
    redis_url u = parse_ok("redis://redis.lan:6380/2");
    EXPECT_STREQ("redis.lan", u.host);
    EXPECT_EQ(6380, u.port);
    EXPECT_EQ(2, u.db);
    EXPECT_EQ(0, parse_ok("redis://h:1/").db);
}

TEST(RedisUrl, PasswordWithOrWithoutAUserAndPercentEncoded) {
    EXPECT_STREQ("s3cret", parse_ok("redis://:s3cret@h:6379").password);
    EXPECT_STREQ("s3cret", parse_ok("redis://default:s3cret@h").password);
    EXPECT_STREQ("a@b:c", parse_ok("redis://:a%40b%3Ac@h").password);
    // A raw '@' in the password: the last '@' ends it.
    redis_url u = parse_ok("redis://:p@ss@h:7000");
    EXPECT_STREQ("p@ss", u.password);
    EXPECT_STREQ("h", u.host);
    EXPECT_EQ(7000, u.port);
}

TEST(RedisUrl, BracketedIpv6) {
    redis_url u = parse_ok("redis://[::1]:6390/1");
    EXPECT_STREQ("::1", u.host);
    EXPECT_EQ(6390, u.port);
    EXPECT_EQ(1, u.db);
}

TEST(RedisUrl, MistakesAreSaidPlainly) {
    EXPECT_EQ("redis URL must start with redis:// (redis://HOST:PORT)", parse_error("127.0.0.1:6379"));
    EXPECT_EQ("redis URL has no host (redis://HOST:PORT)", parse_error("redis://:6379"));
    EXPECT_EQ("bad port '99999' in redis URL", parse_error("redis://h:99999"));
    EXPECT_EQ("bad port 'x' in redis URL", parse_error("redis://h:x"));
    EXPECT_EQ("bad port '' in redis URL", parse_error("redis://h:/0"));
    EXPECT_EQ("bad database number 'two' in redis URL", parse_error("redis://h/two"));
    EXPECT_EQ("unclosed '[' in redis URL", parse_error("redis://[::1:6379"));
    EXPECT_EQ("unexpected text 'x' in redis URL", parse_error("redis://[::1]x"));
    EXPECT_EQ("no ':' before the password 'secret' in redis URL", parse_error("redis://secret@h"));
    EXPECT_EQ("bad or too long password in redis URL", parse_error("redis://:%zz@h"));
    EXPECT_EQ("bad or too long password in redis URL", parse_error("redis://:ab%00cd@h"));
    // Long numbers are refused, not wrapped (a long is 32 bits on Windows).
    EXPECT_EQ("bad port '4294967297' in redis URL", parse_error("redis://h:4294967297"));
    EXPECT_EQ("bad database number '99999999999' in redis URL", parse_error("redis://h/99999999999"));
}

// Builds with hiredis have the link (tests/core/test_redis_link.cpp tests
// it); one without (the Windows one) says so and nothing else.
TEST(RedisLinkBuild, TheLinkIsThereExactlyWhenTheBuildHasHiredis) {
    EXPECT_EQ(NATTER_EXPECT_CLUSTER != 0, redis_link_available());
    if (redis_link_available()) return;
    redis_link_config cfg = {};
    cfg.address = "127.0.0.1";
    cfg.port = 6379;
    cfg.channel = "natter";
    redis_link_handler h = {};
    char err[200] = "";
    EXPECT_EQ(nullptr, redis_link_create(&cfg, &h, 0, err, sizeof err));
    EXPECT_STREQ("cluster mode is not available in this build", err);
}
