#include "gateway/forward_headers.h"

#include <gtest/gtest.h>

namespace sb::gateway {
namespace {

std::string value_of(const Headers& h, std::string_view name) {
  std::string out;
  int n = 0;
  for (const auto& [k, v] : h)
    if (k.size() == name.size() && std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
        }))
      out = v, ++n;
  return n > 1 ? "<" + std::to_string(n) + " copies>" : out;
}

TEST(ForwardHeaders, ClientCopiesOfIdentityNeverReachTheUpstream) {
  Headers client{{"x-user-id", "mallory"},  {"x-user-roles", "admin"}, {"x-auth-principal", "admin-key:1"},
                 {"x-request-id", "given"}, {"traceparent", "00-x"},   {"x-forwarded-for", "6.6.6.6"},
                 {"accept", "text/plain"},  {"connection", "close, x-secret"}, {"x-secret", "s"},
                 {"keep-alive", "5"},       {"host", "public.example"}, {"content-length", "3"},
                 {"x-drop", "1"}};
  Route route;
  route.remove_headers = {"x-drop"};
  route.add_headers = {{"x-env", "prod"}, {"x-user-id", "route-cannot-vouch"}};
  Headers out = upstream_request_headers(client, route, {"", {}, "", "rid-1", "00-t-s-01", "10.0.0.9", "public.example"});
  EXPECT_EQ(value_of(out, "x-user-id"), "");
  EXPECT_EQ(value_of(out, "x-user-roles"), "");
  EXPECT_EQ(value_of(out, "x-auth-principal"), "");
  EXPECT_EQ(value_of(out, "x-request-id"), "rid-1");
  EXPECT_EQ(value_of(out, "traceparent"), "00-t-s-01");
  EXPECT_EQ(value_of(out, "x-forwarded-for"), "10.0.0.9");
  EXPECT_EQ(value_of(out, "x-forwarded-host"), "public.example");
  EXPECT_EQ(value_of(out, "accept"), "text/plain");
  EXPECT_EQ(value_of(out, "x-env"), "prod");
  for (const char* gone : {"connection", "x-secret", "keep-alive", "host", "content-length", "x-drop"})
    EXPECT_EQ(value_of(out, gone), "") << gone;

  Headers user = upstream_request_headers(client, route, {"u1", {"editor", "viewer"}, "user:u1", "rid", "", "", ""});
  EXPECT_EQ(value_of(user, "x-user-id"), "u1");
  EXPECT_EQ(value_of(user, "x-user-roles"), "editor,viewer");
  EXPECT_EQ(value_of(user, "x-auth-principal"), "user:u1");
}

TEST(ForwardHeaders, ResponseLosesHopByHopAndFraming) {
  Headers up{{"Content-Type", "application/json"}, {"Content-Length", "12"}, {"Transfer-Encoding", "chunked"},
             {"Connection", "keep-alive, X-Hop"},   {"X-Hop", "1"},          {"Server", "node"},
             {"X-Request-Id", "theirs"},            {"Set-Cookie", "a=1"},   {"Set-Cookie", "b=2"}};
  Headers out = client_response_headers(up);
  EXPECT_EQ(out, (Headers{{"Content-Type", "application/json"}, {"Set-Cookie", "a=1"}, {"Set-Cookie", "b=2"}}));
}

}  // namespace
}  // namespace sb::gateway
