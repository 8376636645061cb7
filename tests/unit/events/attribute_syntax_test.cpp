#include <gtest/gtest.h>

#include "events/attribute_syntax.h"

namespace sb::events {
namespace {

TEST(AttributeSyntax, UriReferences) {
  for (const char* ok : {"/app", "app", "orders/1", "urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66",
                         "https://user:pw@host.example:8443/a/b?c=d&e#f", "//host/path", "https://[::1]:80/",
                         "mailto:a@b.example", "/caf%C3%A9", "?q", "#frag", ""})
    EXPECT_TRUE(is_uri_reference(ok)) << ok;
  for (const char* bad : {"/my app", "a b", "/100%", "/%zz", "1a:b", ":x", "http://ho st/", "http://host:8o/", "http://host:80x",
                          "/a#b#c", "/a[1]", "http://[::1/", "/tab\there", "/caf\xc3\xa9"})
    EXPECT_FALSE(is_uri_reference(bad)) << bad;
}

TEST(AttributeSyntax, AbsoluteUrisNeedAScheme) {
  EXPECT_TRUE(is_absolute_uri("https://schemas.example.com/order.json"));
  EXPECT_TRUE(is_absolute_uri("urn:example:order:v1"));
  EXPECT_FALSE(is_absolute_uri("schemas/order.json"));
  EXPECT_FALSE(is_absolute_uri("/schemas/order.json"));
  EXPECT_FALSE(is_absolute_uri("//host/order.json"));
  EXPECT_FALSE(is_absolute_uri(""));
}

TEST(AttributeSyntax, MediaTypes) {
  for (const char* ok : {"application/json", "text/plain; charset=utf-8", "text/plain;charset=\"utf-8\"",
                         "application/vnd.example+json", "multipart/mixed; boundary=\"a b;c\"", "text/plain;"})
    EXPECT_TRUE(is_media_type(ok)) << ok;
  for (const char* bad : {"json", "", "/json", "application/", "application /json", "text/plain charset=utf-8",
                          "text/plain; charset", "text/plain; charset=", "text/plain; a=\"unterminated",
                          "text/pl@in", "application/json/x"})
    EXPECT_FALSE(is_media_type(bad)) << bad;
}

TEST(AttributeSyntax, Base64WithPadding) {
  for (const char* ok : {"", "AA==", "AAA=", "AAAA", "iVBORw0KGgo=", "+/+/"}) EXPECT_TRUE(is_base64(ok)) << ok;
  for (const char* bad : {"A", "AA=", "A===", "====", "AA-_", "AA==AA==", "AA AA=="})
    EXPECT_FALSE(is_base64(bad)) << bad;
}

}  // namespace
}  // namespace sb::events
