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

// A minimal valid event plus `extra` members (text after a comma).
bj::value event_with(const std::string& extra) {
  return bj::parse(R"({"specversion":"1.0","id":"1","source":"/app","type":"t.x",)" + extra + "}");
}

std::vector<std::string> refused_fields(const std::string& extra) {
  auto e = parse_event(event_with(extra), "/0");
  if (e.ok()) return {};
  return fields_of(e.status());
}

TEST(ParseEvent, RefusesExtensionValuesThatAreNoCloudEventsType) {
  // Integer is 32-bit signed and written without fraction or exponent; a
  // non-integer number is no CloudEvents type at all.
  EXPECT_EQ(refused_fields(R"("ratio":1.5)"), std::vector<std::string>{"/0/ratio"});
  EXPECT_EQ(refused_fields(R"("big":2147483648)"), std::vector<std::string>{"/0/big"});
  EXPECT_EQ(refused_fields(R"("small":-2147483649)"), std::vector<std::string>{"/0/small"});
  EXPECT_EQ(refused_fields(R"("huge":18446744073709551615)"), std::vector<std::string>{"/0/huge"});
  EXPECT_EQ(refused_fields(R"("whole":1.0)"), std::vector<std::string>{"/0/whole"});
  EXPECT_EQ(refused_fields(R"("list":[1])"), std::vector<std::string>{"/0/list"});
}

TEST(ParseEvent, ExtensionValuesKeepTheirJsonType) {
  auto e = parse_event(event_with(R"("max":2147483647,"min":-2147483648,"flag":true,"note":"42")"));
  ASSERT_TRUE(e.ok()) << e.status().to_string();
  auto env = bj::parse(envelope_json(*e));
  EXPECT_EQ(env.at("max"), bj::value(2147483647));
  EXPECT_EQ(env.at("min"), bj::value(-2147483648LL));
  EXPECT_EQ(env.at("flag"), bj::value(true));
  EXPECT_EQ(env.at("note"), bj::value("42"));  // a string stays a string
  auto back = parse_stored(3, with_sequence(3, envelope_json(*e)));
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(envelope_json(*back), envelope_json(*e));
}

TEST(ParseEvent, ExtensionNamesAreLowercaseLettersAndDigits) {
  EXPECT_EQ(refused_fields(R"("traceParent":"x")"), std::vector<std::string>{"/0/traceParent"});
  EXPECT_EQ(refused_fields(R"("trace_id":"x")"), std::vector<std::string>{"/0/trace_id"});
  EXPECT_EQ(refused_fields(R"("trace-id":"x")"), std::vector<std::string>{"/0/trace-id"});
  // "SHOULD NOT exceed 20 characters" is advice, not a rule of validity.
  EXPECT_TRUE(refused_fields(R"("averylongextensionname2026":"x","b3":"y")").empty());
}

TEST(ParseEvent, RefusesTimeThatIsNotRfc3339) {
  EXPECT_EQ(refused_fields(R"("time":"2026-01-02 03:04:05Z")"), std::vector<std::string>{"/0/time"});
  EXPECT_EQ(refused_fields(R"("time":"2026-02-30T03:04:05Z")"), std::vector<std::string>{"/0/time"});
  EXPECT_EQ(refused_fields(R"("time":"2026-01-02T03:04:05+24:00")"), std::vector<std::string>{"/0/time"});
  EXPECT_TRUE(refused_fields(R"("time":"2024-02-29t03:04:05.5+02:00")").empty());
}

TEST(ParseEvent, RefusesAttributesOutsideTheirSyntax) {
  EXPECT_EQ(refused_fields(R"("dataschema":"schemas/order.json")"), std::vector<std::string>{"/0/dataschema"});
  EXPECT_EQ(refused_fields(R"("dataschema":"")"), std::vector<std::string>{"/0/dataschema"});
  EXPECT_EQ(refused_fields(R"("subject":"")"), std::vector<std::string>{"/0/subject"});
  EXPECT_EQ(refused_fields(R"("datacontenttype":"not a media type")"), std::vector<std::string>{"/0/datacontenttype"});
  EXPECT_EQ(refused_fields(R"("datacontenttype":"json")"), std::vector<std::string>{"/0/datacontenttype"});
  EXPECT_EQ(refused_fields(R"("datacontenttype":"")"), std::vector<std::string>{"/0/datacontenttype"});
  auto spaced = parse_event(bj::parse(R"({"specversion":"1.0","id":"1","source":"/my app","type":"t.x"})"));
  ASSERT_FALSE(spaced.ok());
  EXPECT_EQ(fields_of(spaced.status()), std::vector<std::string>{"/source"});
  auto ok = parse_event(event_with(R"("dataschema":"https://schemas.example.com/order.json#v2",)"
                                   R"("subject":"o-1","datacontenttype":"application/json; charset=utf-8")"));
  ASSERT_TRUE(ok.ok()) << ok.status().to_string();
  EXPECT_EQ(ok->extensions.at("dataschema"), bj::value("https://schemas.example.com/order.json#v2"));
}

TEST(ParseEvent, KeepsBinaryAndNonJsonDataAsSent) {
  auto bin = parse_event(event_with(R"("datacontenttype":"image/png","data_base64":"iVBORw0KGgo=")"));
  ASSERT_TRUE(bin.ok()) << bin.status().to_string();
  auto env = bj::parse(envelope_json(*bin));
  EXPECT_EQ(env.at("data_base64"), bj::value("iVBORw0KGgo="));
  EXPECT_EQ(env.at("datacontenttype"), bj::value("image/png"));
  EXPECT_FALSE(env.as_object().contains("data"));
  auto back = parse_stored(1, with_sequence(1, envelope_json(*bin)));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->data_base64, bin->data_base64);
  // Binary data without a content type says nothing about its type.
  auto untyped = parse_event(event_with(R"("data_base64":"")"));
  ASSERT_TRUE(untyped.ok());
  EXPECT_FALSE(bj::parse(envelope_json(*untyped)).as_object().contains("datacontenttype"));

  auto text = parse_event(event_with(R"("datacontenttype":"text/plain","data":"hello, world")"));
  ASSERT_TRUE(text.ok()) << text.status().to_string();
  EXPECT_EQ(bj::parse(envelope_json(*text)).at("data"), bj::value("hello, world"));

  EXPECT_EQ(refused_fields(R"("data_base64":"not base64!")"), std::vector<std::string>{"/0/data_base64"});
  EXPECT_EQ(refused_fields(R"("data_base64":"abc")"), std::vector<std::string>{"/0/data_base64"});
  EXPECT_EQ(refused_fields(R"("data":{},"data_base64":"AA==")"), std::vector<std::string>{"/0/data_base64"});
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
