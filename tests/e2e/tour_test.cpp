// The README's 5-minute tour, run against the built binary exactly as a user
// would: publish, read back, stream, subscribe a webhook (a real HTTP
// receiver), switch the email provider at runtime to a real SMTP server and
// send, then back to console; SMS and push through their console providers,
// and Web Push to a stand-in push service.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <thread>

#include "core/crypto.h"
#include "curl_client.h"
#include "eventually.h"
#include "http_standin.h"
#include "server_process.h"
#include "smtp_server.h"

namespace sb::test {
namespace {

namespace bj = boost::json;

class Tour : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server.start()) << server.output(); }
  HttpResult call(const std::string& method, const std::string& path, const std::string& body = "") {
    return http_request(method, server.url(path), body, {server.auth_header(), "Content-Type: application/json"});
  }
  ServerProcess server{std::map<std::string, std::string>{{"SWITCHBOARD_EVENTS__POLL_MS", "50"}}};
};

TEST_F(Tour, WebhookSubscriptionReceivesSignedEventsInOrder) {
  HttpStandin receiver;
  auto sub = call("POST", "/v1/subscriptions", R"({"pattern":"order.*","webhook_url":")" + receiver.base_url() + R"(/hooks"})");
  ASSERT_EQ(sub.status, 201) << sub.body;
  auto sub_json = bj::parse(sub.body);
  std::string secret(sub_json.at("secret").as_string());
  std::string id(sub_json.at("id").as_string());
  receiver.fail_next(1);  // the first attempt fails: delivery retries
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(call("POST", "/v1/events", R"({"specversion":"1.0","id":"o)" + std::to_string(i) +
                                            R"(","source":"/shop","type":"order.created","data":{"n":)" + std::to_string(i) + "}}")
                  .status,
              201);
  ASSERT_TRUE(eventually([&] {
    auto s = bj::parse(call("GET", "/v1/subscriptions/" + id).body);
    return s.at("delivered").as_int64() == 3;
  })) << call("GET", "/v1/subscriptions/" + id).body;
  auto reqs = receiver.requests();
  ASSERT_EQ(reqs.size(), 4u);  // one failed attempt + three deliveries
  std::vector<std::string> ids;
  for (size_t i = 1; i < reqs.size(); ++i) {
    const auto& r = reqs[i];
    EXPECT_EQ(r.target, "/hooks");
    std::string content = r.header("webhook-id") + "." + r.header("webhook-timestamp") + "." + r.body;
    EXPECT_EQ(r.header("webhook-signature"),
              "v1," + crypto::base64_encode(crypto::hmac_sha256(*crypto::base64_decode(secret.substr(6)), content)));
    ids.emplace_back(bj::parse(r.body).at("id").as_string());
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"o0", "o1", "o2"}));
  EXPECT_EQ(reqs[0].header("webhook-id"), reqs[1].header("webhook-id"));  // a retry keeps its id
}

TEST_F(Tour, SwitchEmailProviderAtRuntimeAndSend) {
  SmtpServer smtp;
  // Unknown provider names are refused, naming the key; nothing changes.
  auto bad = call("PUT", "/v1/config/email.providers", R"({"value":["nope"]})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bj::parse(bad.body).at("errors").as_array()[0].at("field").as_string(), "email.providers");

  ASSERT_EQ(call("PUT", "/v1/config/email.smtp.host", R"({"value":"127.0.0.1"})").status, 200);
  ASSERT_EQ(call("PUT", "/v1/config/email.smtp.port", R"({"value":)" + std::to_string(smtp.port()) + "}").status, 200);
  ASSERT_EQ(call("PUT", "/v1/config/email.smtp.tls", R"({"value":"none"})").status, 200);
  ASSERT_EQ(call("PUT", "/v1/config/email.providers", R"({"value":["smtp","console"]})").status, 200);
  auto sent = call("POST", "/v1/messages/email",
                   R"({"to":["ada@example.com"],"from":"app@example.com","subject":"Hello","text":"It works."})");
  ASSERT_EQ(sent.status, 200) << sent.body;
  EXPECT_EQ(bj::parse(sent.body).at("provider").as_string(), "smtp");
  auto mails = smtp.messages();
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0].header("Subject"), "Hello");
  EXPECT_EQ(mails[0].rcpt_tos, (std::vector<std::string>{"ada@example.com"}));
  EXPECT_NE(mails[0].body().find("It works."), std::string::npos);

  // Back to console: the message lands in data/outbox as an .eml file.
  ASSERT_EQ(call("PUT", "/v1/config/email.providers", R"({"value":["console"]})").status, 200);
  auto console = call("POST", "/v1/messages/email", R"({"to":["bob@example.com"],"subject":"Second","text":"Hi"})");
  ASSERT_EQ(console.status, 200) << console.body;
  EXPECT_EQ(bj::parse(console.body).at("provider").as_string(), "console");
  size_t emls = 0;
  for (auto& f : std::filesystem::directory_iterator(server.data_dir() + "/outbox"))
    emls += f.path().extension() == ".eml";
  EXPECT_EQ(emls, 1u);
  EXPECT_EQ(smtp.messages().size(), 1u);

  // One message through a named provider, bypassing the chain (console).
  auto named = call("POST", "/v1/messages/email",
                    R"({"provider":"smtp","to":["cy@example.com"],"subject":"Direct","text":"Via SMTP"})");
  ASSERT_EQ(named.status, 200) << named.body;
  EXPECT_EQ(bj::parse(named.body).at("provider").as_string(), "smtp");
  ASSERT_EQ(smtp.messages().size(), 2u);
  EXPECT_EQ(smtp.messages()[1].header("Subject"), "Direct");
  auto unknown = call("POST", "/v1/messages/email", R"({"provider":"nope","to":["cy@example.com"],"subject":"x","text":"y"})");
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(bj::parse(unknown.body).at("errors").as_array()[0].at("field").as_string(), "/provider");

  auto invalid = call("POST", "/v1/messages/email", R"({"to":["not-an-address"],"subject":""})");
  EXPECT_EQ(invalid.status, 400);
  EXPECT_EQ(bj::parse(invalid.body).at("errors").as_array()[0].at("field").as_string(), "/to/0");
}

TEST_F(Tour, SmsThroughTheConsoleProvider) {
  auto r = call("POST", "/v1/messages/sms", R"({"to":"+15551234567","from":"Acme","body":"Your code is 123456"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(bj::parse(r.body).at("provider").as_string(), "console");
  std::ifstream log(server.data_dir() + "/outbox/sms.log");
  std::string text((std::istreambuf_iterator<char>(log)), {});
  EXPECT_NE(text.find("+15551234567"), std::string::npos);
  // Codes never reach the server's log.
  EXPECT_EQ(server.output().find("123456"), std::string::npos);
  EXPECT_EQ(call("POST", "/v1/messages/sms", R"({"to":"555","body":"x"})").status, 400);
}

TEST_F(Tour, WhatsAppTemplateThroughTheConsoleProvider) {
  auto r = call("POST", "/v1/messages/whatsapp",
                R"({"to":"+15551234567","template":{"name":"otp","language":"en_US","parameters":["654321"]}})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(bj::parse(r.body).at("provider").as_string(), "console");
  std::ifstream log(server.data_dir() + "/outbox/whatsapp.log");
  std::string text((std::istreambuf_iterator<char>(log)), {});
  EXPECT_NE(text.find("\"name\":\"otp\""), std::string::npos) << text;
  EXPECT_EQ(server.output().find("654321"), std::string::npos);
  auto bad = call("POST", "/v1/messages/whatsapp", R"({"to":"+15551234567","template":{"parameters":[""]}})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bj::parse(bad.body).at("errors").as_array()[0].at("field").as_string(), "/template/name") << bad.body;
}

TEST_F(Tour, PushThroughConsoleThenWebPushWithAGoneSubscription) {
  // A browser's PushSubscription.toJSON() (the RFC 8291 example's keys).
  auto body = [](const std::string& endpoint, const std::string& p256dh) {
    return R"({"to":{"endpoint":")" + endpoint + R"(","expirationTime":null,"keys":{"p256dh":")" + p256dh +
           R"(","auth":"BTBZMqHH6r4Tts7J_aSIgg"}},"title":"Shipped","data":{"order":7}})";
  };
  const std::string p256dh = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
  auto r = call("POST", "/v1/messages/push", body("https://push.example.net/push/abc", p256dh));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(bj::parse(r.body).at("provider").as_string(), "console");
  std::ifstream log(server.data_dir() + "/outbox/push.log");
  std::string line;
  ASSERT_TRUE(std::getline(log, line));
  EXPECT_EQ(bj::parse(line).at("payload"), bj::parse(R"({"title":"Shipped","data":{"order":7}})"));

  // A malformed subscription is a 400 naming the field.
  auto bad = call("POST", "/v1/messages/push", body("https://push.example.net/push/abc", p256dh.substr(0, 40)));
  ASSERT_EQ(bad.status, 400) << bad.body;
  EXPECT_EQ(bj::parse(bad.body).at("errors").as_array()[0].at("field").as_string(), "/to/keys/p256dh");

  // Web Push to a push service that has dropped the subscription: 410.
  HttpStandin push_service;
  push_service.set_default({.status = 410});
  auto put = [&](const std::string& key, const std::string& json) {
    ASSERT_EQ(call("PUT", "/v1/config/" + key, R"({"value":)" + json + "}").status, 200) << key;
  };
  put("push.allow_http_endpoints", "true");
  put("push.webpush.vapid_private_key", R"("yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw")");
  put("push.webpush.subject", R"("mailto:ops@example.com")");
  put("push.providers", R"(["webpush"])");
  auto gone = call("POST", "/v1/messages/push", body(push_service.base_url() + "/push/abc", p256dh));
  ASSERT_EQ(gone.status, 410) << gone.body;
  bj::object problem = bj::parse(gone.body).as_object();
  EXPECT_EQ(problem.at("type").as_string(), "https://switchboard.dev/problems/recipient-gone");
  EXPECT_NE(std::string(problem.at("detail").as_string()).find("subscription gone"), std::string::npos);
  ASSERT_EQ(push_service.request_count(), 1u);
  EXPECT_EQ(push_service.requests()[0].header("Content-Encoding"), "aes128gcm");
  // The VAPID private key never reaches the server's output.
  EXPECT_EQ(server.output().find("yfWPiYE-n46HLnH0"), std::string::npos);
}

}  // namespace
}  // namespace sb::test
