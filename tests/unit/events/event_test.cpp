#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "events/event.h"

namespace sb::events {
namespace {

namespace bj = boost::json;

std::vector<std::string> fields_of(const Status& s) {
  std::vector<std::string> out;
  for (auto& f : s.fields()) out.push_back(f.field);
  return out;
}

TEST(ParseEvent, AcceptsAFullCloudEventAndKeepsExtensions) {
  auto v = bj::parse(R"({"specversion":"1.0","id":"1","source":"/app","type":"user.registered",
    "subject":"u1","time":"2026-01-02T03:04:05.678Z","datacontenttype":"application/json",
    "correlationid":"c-1","data":{"email":"a@b.c"}})");
  auto e = parse_event(v);
  ASSERT_TRUE(e.ok()) << e.status().to_string();
  EXPECT_EQ(e->subject, "u1");
  EXPECT_EQ(e->extensions.at("correlationid"), "c-1");
  EXPECT_EQ(e->data_json, R"({"email":"a@b.c"})");
  std::string env = envelope_json(*e);
  auto back = parse_stored(7, with_sequence(7, env));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->time_ms, e->time_ms);
  EXPECT_EQ(back->data_json, e->data_json);
  EXPECT_EQ(bj::parse(with_sequence(7, env)).at("sequence").as_int64(), 7);
}

TEST(ParseEvent, NamesEachMissingOrInvalidAttribute) {
  auto e = parse_event(bj::parse(R"({"type":"a b"})"), "/3");
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(fields_of(e.status()), (std::vector<std::string>{"/3/specversion", "/3/id", "/3/source", "/3/type"}));
  auto wrong = parse_event(bj::parse(R"({"specversion":"1.0","id":"1","source":"/s","type":"t","time":"yesterday","BadExt":1})"));
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(fields_of(wrong.status()), (std::vector<std::string>{"/time", "/BadExt"}));
  EXPECT_FALSE(parse_event(bj::parse("[1]")).ok());
  EXPECT_FALSE(parse_event(bj::parse(R"({"specversion":"1.0","id":"","source":"/s","type":"t"})")).ok());
}

TEST(Patterns, ExactPrefixAndWildcard) {
  EXPECT_TRUE(matches("*", "anything.at.all"));
  EXPECT_TRUE(matches("user.*", "user.registered"));
  EXPECT_TRUE(matches("user.*", "user.mfa.enabled"));
  EXPECT_FALSE(matches("user.*", "users.registered"));
  EXPECT_FALSE(matches("user.*", "user"));
  EXPECT_TRUE(matches("user.registered", "user.registered"));
  EXPECT_FALSE(matches("user.registered", "user.registered.v2"));
  EXPECT_TRUE(validate_pattern("user.*", "p"));
  EXPECT_TRUE(validate_pattern("*", "p"));
  EXPECT_FALSE(validate_pattern("user.**", "p"));
  EXPECT_FALSE(validate_pattern("*.user", "p"));
  EXPECT_FALSE(validate_pattern("", "p"));
  EXPECT_EQ(validate_pattern("a b", "pattern").fields()[0].field, "pattern");
}

}  // namespace
}  // namespace sb::events
