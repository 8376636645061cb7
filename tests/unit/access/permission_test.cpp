// Permission syntax, wildcard matching and deny-wins evaluation.
#include <gtest/gtest.h>

#include "access/permission.h"

namespace sb::access {
namespace {

TEST(Permission, AcceptsResourceActionAndWildcards) {
  for (const char* p : {"rooms:read", "flags.admin:write", "a_b-c.d:x-1", "*", "*:read", "rooms:*", "*:*", "0:9"})
    EXPECT_TRUE(validate_permission(p, "/p")) << p;
}

TEST(Permission, RejectsMalformedNamingTheField) {
  for (const char* p : {"", "rooms", "Rooms:read", "rooms:Read", "rooms:", ":read", "a:b:c", "room*:read",
                        "rooms:re*", "**", "rooms read:x", "rooms:read ", "ä:read"}) {
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
