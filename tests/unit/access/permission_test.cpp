// Permission syntax, wildcard matching and deny-wins evaluation.
#include <gtest/gtest.h>

#include "access/permission.h"

namespace sb::access {
namespace {

TEST(Permission, AcceptsResourceActionAndWildcards) {
  for (const char* p : {"rooms:read", "flags.admin:write", "a_b-c.d:x-1", "*", "*:read", "rooms:*", "*:*", "0:9",
                        "config:read:app.*", "config:read:app.checkout.limits", "config:*:app.*", "a:b:c", "a:b:*"})
    EXPECT_TRUE(validate_permission(p, "/p")) << p;
}

TEST(Permission, RejectsMalformedNamingTheField) {
  for (const char* p : {"", "rooms", "Rooms:read", "rooms:Read", "rooms:", ":read", "a:b:c:d", "room*:read",
                        "rooms:re*", "**", "rooms read:x", "rooms:read ", "ä:read", "a:b:", "a:b:App", "a:b:app*",
                        "a:b:.app", "a:b:app..x", "a:b:app.", "a:b:.*", "a:b:app.*.x"}) {
    Status s = validate_permission(p, "/permissions/3");
    ASSERT_FALSE(s) << p;
    EXPECT_EQ(s.code(), Code::kInvalidArgument);
    ASSERT_EQ(s.fields().size(), 1u);
    EXPECT_EQ(s.fields()[0].field, "/permissions/3");
  }
  EXPECT_FALSE(validate_permission(std::string(kMaxPermissionLength, 'a') + ":b", "p"));
}

TEST(Permission, MatchesExactlyOrByWildcardPart) {
  EXPECT_TRUE(permission_matches("rooms:read", "rooms:read"));
  EXPECT_FALSE(permission_matches("rooms:read", "rooms:write"));
  EXPECT_FALSE(permission_matches("rooms:read", "room:read"));
  EXPECT_TRUE(permission_matches("rooms:*", "rooms:read"));
  EXPECT_FALSE(permission_matches("rooms:*", "users:read"));
  EXPECT_TRUE(permission_matches("*:read", "rooms:read"));
  EXPECT_FALSE(permission_matches("*:read", "rooms:write"));
  EXPECT_TRUE(permission_matches("*:*", "rooms:write"));
  EXPECT_TRUE(permission_matches("*", "rooms:write"));
  EXPECT_TRUE(permission_matches("*", "*"));
  // No prefix matching inside a part.
  EXPECT_FALSE(permission_matches("rooms:read", "rooms:readx"));
  EXPECT_FALSE(permission_matches("flags:read", "flags.admin:read"));
}

TEST(Permission, WildcardInRequiredIsLiteral) {
  EXPECT_FALSE(permission_matches("rooms:read", "rooms:*"));
  EXPECT_TRUE(permission_matches("rooms:*", "rooms:*"));
  EXPECT_TRUE(permission_matches("*:*", "rooms:*"));
  EXPECT_FALSE(permission_matches("*:*", "*"));
  EXPECT_FALSE(permission_matches("rooms:*", "*"));
}

TEST(Permission, AScopedGrantHoldsOnlyItsOwnScope) {
  // config:read:app.* is what an application is granted to read its own keys.
  EXPECT_TRUE(permission_matches("config:read:app.*", "config:read:app.checkout"));
  EXPECT_TRUE(permission_matches("config:read:app.*", "config:read:app.checkout.limits"));
  EXPECT_TRUE(permission_matches("config:read:app.*", "config:read:app.*"));           // a listing of app.
  EXPECT_TRUE(permission_matches("config:read:app.*", "config:read:app.check*"));      // a listing of app.check
  EXPECT_FALSE(permission_matches("config:read:app.*", "config:read:app"));            // not a key under app.
  EXPECT_FALSE(permission_matches("config:read:app.*", "config:read:apple.x"));
  EXPECT_FALSE(permission_matches("config:read:app.*", "config:read:app*"));           // would list apple.*
  EXPECT_FALSE(permission_matches("config:read:app.*", "config:read:email.from"));
  EXPECT_FALSE(permission_matches("config:read:app.*", "config:read"));                // never the whole
  EXPECT_FALSE(permission_matches("config:read:app.*", "config:write:app.x"));
  EXPECT_TRUE(permission_matches("config:read:app.x", "config:read:app.x"));
  EXPECT_FALSE(permission_matches("config:read:app.x", "config:read:app.x.y"));       // no prefix without .*
  EXPECT_FALSE(permission_matches("config:read:app.x", "config:read:app.*"));         // literal wildcard
  // Unscoped grants and wildcards hold every scope.
  EXPECT_TRUE(permission_matches("config:read", "config:read:app.x"));
  EXPECT_TRUE(permission_matches("config:*", "config:read:app.x"));
  EXPECT_TRUE(permission_matches("*:read", "config:read:email.from"));
  EXPECT_TRUE(permission_matches("config:read:*", "config:read"));
  EXPECT_TRUE(permission_matches("*", "config:read:app.x"));
}

TEST(EffectivePermissions, AScopedDenyRefusesEveryRequestThatOverlapsIt) {
  EffectivePermissions e;
  e.allow = {"config:read"};
  e.deny = {"config:read:app.billing.*"};
  EXPECT_TRUE(e.allows("config:read:app.checkout"));
  EXPECT_TRUE(e.allows("config:read:email.from"));
  EXPECT_FALSE(e.allows("config:read:app.billing.key"));
  EXPECT_FALSE(e.allows("config:read:app.*"));  // a listing would include app.billing.*
  EXPECT_FALSE(e.allows("config:read"));        // so would the whole
  EXPECT_TRUE(e.allows("config:read:app.check*"));
}

TEST(EffectivePermissions, AllowsWhatAGrantMatches) {
  EffectivePermissions e;
  e.allow = {"rooms:read", "flags:*"};
  EXPECT_TRUE(e.allows("rooms:read"));
  EXPECT_TRUE(e.allows("flags:write"));
  EXPECT_FALSE(e.allows("rooms:write"));
  EXPECT_FALSE(EffectivePermissions{}.allows("rooms:read"));
}

TEST(EffectivePermissions, DenyWinsOverAnyAllow) {
  EffectivePermissions e;
  e.allow = {"*"};
  e.deny = {"billing:*"};
  EXPECT_TRUE(e.allows("rooms:read"));
  EXPECT_FALSE(e.allows("billing:read"));
  EXPECT_FALSE(e.allows("billing:write"));

  e.allow = {"rooms:read"};
  e.deny = {"*:read"};
  EXPECT_FALSE(e.allows("rooms:read"));

  e.allow = {"rooms:*"};
  e.deny = {"*"};
  EXPECT_FALSE(e.allows("rooms:read"));
}

}  // namespace
}  // namespace sb::access
