// Notifications against the built binary: a rule set at runtime turns the
// user.registered event of a sign-up into a welcome email (the console
// provider's .eml in data/outbox), a direct send reaches the user's in-app
// inbox, and an opt-out set by the user suppresses the next one. Switched to
// SendGrid at runtime (a stand-in), an email's timeline reaches delivered
// through a signed Event Webhook callback; a bad signature changes nothing.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "callback_signing.h"
#include "curl_client.h"
#include "eventually.h"
#include "http_standin.h"
#include "notify/callback_signatures.h"
#include "server_process.h"

namespace sb::test {
namespace {

namespace bj = boost::json;
namespace fs = std::filesystem;
const std::string kJson = "Content-Type: application/json";

std::string outbox_text(const std::string& data_dir) {
  std::string all;
  std::error_code ec;
  for (auto& f : fs::directory_iterator(data_dir + "/outbox", ec)) {
    if (f.path().extension() != ".eml") continue;
    std::ifstream in(f.path());
    std::stringstream ss;
    ss << in.rdbuf();
    all += ss.str();
  }
  return all;
}

TEST(NotifyE2E, RuleSendsAWelcomeEmailAndUsersControlTheirInbox) {
  HttpStandin sendgrid;  // SendGrid's Mail Send API, once email.providers names it
  EcKey sendgrid_key;    // signs the Event Webhook as SendGrid would
  ServerProcess s({{"SWITCHBOARD_IDENTITY__PASSWORD__ARGON2_OPS", "1"},
                   {"SWITCHBOARD_IDENTITY__PASSWORD__ARGON2_MEM_KIB", "64"},
                   {"SWITCHBOARD_EVENTS__POLL_MS", "50"},
                   {"SWITCHBOARD_HTTP__ACCESS_LOG", "false"},
                   {"SWITCHBOARD_EMAIL__SENDGRID__API_KEY", "SG.e2e"},
                   {"SWITCHBOARD_EMAIL__SENDGRID__BASE_URL", sendgrid.base_url()},
                   {"SWITCHBOARD_NOTIFY__CALLBACKS__SENDGRID__VERIFICATION_KEY", sendgrid_key.public_b64()},
                   {"SWITCHBOARD_NOTIFY__CALLBACKS__TWILIO__AUTH_TOKEN", "tw-e2e"},
                   {"SWITCHBOARD_NOTIFY__CALLBACKS__PUBLIC_URL", "https://sb.example.com/"}});
  ASSERT_TRUE(s.start()) << s.output();
  auto admin = [&](const std::string& method, const std::string& path, const std::string& body = "") {
    return http_request(method, s.url(path), body, {s.auth_header(), kJson});
  };
  ASSERT_EQ(admin("PUT", "/v1/notifications/templates/welcome/email",
                  R"({"subject":"Welcome to Acme","body":"Your account {{email}} is ready.","html":"<p>{{email}}</p>"})")
                .status,
            200);
  ASSERT_EQ(admin("PUT", "/v1/notifications/templates/comment/in_app", R"({"subject":"New reply","body":"{{who}} replied"})")
                .status,
            200);
  auto bad = admin("PUT", "/v1/notifications/templates/x/email", R"({"subject":"s","body":"{{#open}}"})");
  EXPECT_EQ(bad.status, 400) << "a template that does not parse is refused at save time";
  auto rules = admin("PUT", "/v1/config/notify.rules",
                     R"({"value":[{"on":"user.registered","type":"welcome","channels":["email"]}]})");
  ASSERT_EQ(rules.status, 200) << rules.body;
  EXPECT_EQ(admin("PUT", "/v1/config/notify.rules", R"({"value":[{"on":"user.registered"}]})").status, 400);

  const std::string pw = "correct horse battery staple";
  auto reg = http_request("POST", s.url("/v1/auth/register"), R"({"email":"zoe@example.com","password":")" + pw + R"("})",
                          {kJson});
  ASSERT_EQ(reg.status, 201) << reg.body;
  std::string user = std::string(bj::parse(reg.body).at("id").as_string());
  EXPECT_TRUE(eventually([&] { return outbox_text(s.data_dir()).find("Welcome to Acme") != std::string::npos; }))
      << "the rule turned user.registered into a welcome email";
  EXPECT_NE(outbox_text(s.data_dir()).find("Your account zoe@example.com is ready."), std::string::npos);

  auto sent = admin("POST", "/v1/notifications", R"({"user_id":")" + user + R"(","type":"comment","data":{"who":"Bob"}})");
  ASSERT_EQ(sent.status, 202) << sent.body;
  std::string id = std::string(bj::parse(sent.body).at("id").as_string());
  ASSERT_TRUE(eventually([&] {
    auto n = admin("GET", "/v1/notifications/" + id);
    return n.status == 200 && bj::parse(n.body).at("deliveries").at(0).at("status").as_string() == "delivered";
  }));
  auto n = bj::parse(admin("GET", "/v1/notifications/" + id).body);
  EXPECT_EQ(n.at("deliveries").at(0).at("timeline").as_array().size(), 2u) << "queued, delivered";

  auto login = http_request("POST", s.url("/v1/auth/login"), R"({"email":"zoe@example.com","password":")" + pw + R"("})",
                            {kJson});
  ASSERT_EQ(login.status, 200);
  std::string bearer = "Authorization: Bearer " + std::string(bj::parse(login.body).at("access_token").as_string());
  auto me = [&](const std::string& method, const std::string& path, const std::string& body = "") {
    return http_request(method, s.url(path), body, {bearer, kJson});
  };
  // The live inbox stream, replayed from the start: the caller's own item only.
  std::vector<SseEvent> streamed;
  auto sse = read_sse(s.url("/v1/me/inbox/stream?after=0"), {bearer}, [&](const SseEvent& e) {
    streamed.push_back(e);
    return false;  // the first one is enough
  });
  ASSERT_EQ(streamed.size(), 1u) << sse.status << " " << sse.error;
  EXPECT_EQ(streamed[0].event, "inbox");
  EXPECT_EQ(bj::parse(streamed[0].data).at("notification_id").as_string(), id);
  EXPECT_EQ(http_request("GET", s.url("/v1/me/inbox/stream"), "", {s.auth_header()}).status, 403)
      << "an admin key has no inbox";

  auto inbox = bj::parse(me("GET", "/v1/me/inbox").body);
  ASSERT_EQ(inbox.at("items").as_array().size(), 1u);
  EXPECT_EQ(inbox.at("items").at(0).at("body").as_string(), "Bob replied");
  EXPECT_EQ(inbox.at("unread").as_int64(), 1);
  EXPECT_EQ(bj::parse(me("POST", "/v1/me/inbox/read").body).at("unread").as_int64(), 0);

  // A push device (the browser's PushSubscription.toJSON()); the console push provider writes to the outbox.
  auto badsub = me("POST", "/v1/me/devices", R"({"kind":"webpush","subscription":{"endpoint":"https://push.example/x","keys":{"p256dh":"short","auth":"BTBZMqHH6r4Tts7J_aSIgg"}}})");
  EXPECT_EQ(badsub.status, 400);
  EXPECT_NE(badsub.body.find("/subscription/keys/p256dh"), std::string::npos) << badsub.body;
  auto dev = me("POST", "/v1/me/devices",
                R"({"kind":"webpush","subscription":{"endpoint":"https://push.example/sub/1","keys":{"p256dh":"BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4","auth":"BTBZMqHH6r4Tts7J_aSIgg"}}})");
  ASSERT_EQ(dev.status, 201) << dev.body;
  ASSERT_EQ(admin("PUT", "/v1/notifications/templates/ping/push", R"({"subject":"Ping","body":"{{who}} pinged"})").status, 200);
  auto pushed = admin("POST", "/v1/notifications", R"({"user_id":")" + user + R"(","type":"ping","data":{"who":"Bob"}})");
  ASSERT_EQ(pushed.status, 202) << pushed.body;
  std::string pid = std::string(bj::parse(pushed.body).at("id").as_string());
  EXPECT_TRUE(eventually([&] {
    auto n = admin("GET", "/v1/notifications/" + pid);
    return n.status == 200 && bj::parse(n.body).at("deliveries").at(0).at("status").as_string() == "sent";
  }));
  EXPECT_EQ(bj::parse(me("GET", "/v1/me/devices").body).at("devices").as_array().size(), 1u);
  auto notopic = me("POST", "/v1/me/devices", R"({"kind":"apns","token":"a1b2c3d4"})");
  EXPECT_EQ(notopic.status, 400);
  EXPECT_NE(notopic.body.find("/topic"), std::string::npos) << notopic.body;
  auto fcm = me("POST", "/v1/me/devices", R"({"kind":"fcm","token":"fcm-device-token-1"})");
  ASSERT_EQ(fcm.status, 201) << fcm.body;
  EXPECT_FALSE(bj::parse(fcm.body).as_object().contains("endpoint")) << "device tokens are not echoed";

  auto badtz = me("PUT", "/v1/me/preferences", R"({"quiet_hours":{"start":"22:00","end":"07:00","time_zone":"Mars/Olympus"}})");
  EXPECT_EQ(badtz.status, 400);
  EXPECT_NE(badtz.body.find("/quiet_hours/time_zone"), std::string::npos) << badtz.body;
  EXPECT_EQ(me("PUT", "/v1/me/preferences", R"({"quiet_hours":{"start":"25:00","end":"07:00"}})").status, 400);
  ASSERT_EQ(me("PUT", "/v1/me/preferences", R"({"types":{"comment":{"in_app":false}}})").status, 200);
  EXPECT_TRUE(bj::parse(me("GET", "/v1/me/preferences").body).at("quiet_hours").is_null());
  auto muted = admin("POST", "/v1/notifications", R"({"user_id":")" + user + R"(","type":"comment","data":{"who":"Eve"}})");
  ASSERT_EQ(muted.status, 202);
  EXPECT_EQ(bj::parse(muted.body).at("deliveries").at(0).at("status").as_string(), "suppressed");

  auto listed = bj::parse(admin("GET", "/v1/notifications?user=" + user + "&type=comment&limit=10").body);
  EXPECT_EQ(listed.at("notifications").as_array().size(), 2u);
  EXPECT_EQ(bj::parse(admin("GET", "/v1/notifications?status=suppressed").body).at("notifications").as_array().size(),
            1u);
  auto stats = bj::parse(admin("GET", "/v1/notifications/stats?window=24h").body);
  EXPECT_EQ(stats.at("total").as_int64(), 4) << stats;
  EXPECT_EQ(stats.at("suppressed").as_int64(), 1);
  EXPECT_EQ(stats.at("by_channel").at("email").at("sent").as_int64(), 1);
  EXPECT_EQ(stats.at("by_channel").at("in_app").at("sent").as_int64(), 1);
  EXPECT_EQ(stats.at("success_rate").as_double(), 1.0);
  EXPECT_EQ(admin("GET", "/v1/notifications/stats?window=soon").status, 400);
  // A cap set at runtime applies to the next send.
  ASSERT_EQ(admin("PUT", "/v1/notifications/templates/capped/in_app", R"({"body":"hi"})").status, 200);
  ASSERT_EQ(admin("PUT", "/v1/config/notify.caps",
                  R"({"value":[{"channel":"in_app","type":"capped","max":1,"window_ms":3600000,"over":"drop"}]})")
                .status,
            200);
  auto cap1 = admin("POST", "/v1/notifications", R"({"user_id":")" + user + R"(","type":"capped"})");
  auto cap2 = admin("POST", "/v1/notifications", R"({"user_id":")" + user + R"(","type":"capped"})");
  EXPECT_EQ(bj::parse(cap1.body).at("deliveries").at(0).at("status").as_string(), "queued");
  EXPECT_EQ(bj::parse(cap2.body).at("deliveries").at(0).at("status").as_string(), "suppressed") << cap2.body;
  EXPECT_EQ(admin("PUT", "/v1/config/notify.caps", R"({"value":[{"channel":"fax"}]})").status, 400);
  // A digest set at runtime: the next send waits in it (docs/notifications.md#digests).
  ASSERT_EQ(admin("PUT", "/v1/config/notify.digests",
                  R"({"value":[{"type":"capped","channels":["email"],"daily_at":"09:00"}]})")
                .status,
            200);
  ASSERT_EQ(admin("PUT", "/v1/notifications/templates/capped/email", R"({"subject":"s","body":"b"})").status, 200);
  auto digested = admin("POST", "/v1/notifications", R"({"user_id":")" + user + R"(","type":"capped","channels":["email"]})");
  EXPECT_EQ(bj::parse(digested.body).at("deliveries").at(0).at("status").as_string(), "digested") << digested.body;
  EXPECT_EQ(bj::parse(admin("GET", "/v1/notifications?status=digested").body).at("notifications").as_array().size(), 1u);
  auto bad_digest = admin("PUT", "/v1/config/notify.digests", R"({"value":[{"type":"capped","channels":["email"],"window":"1y"}]})");
  EXPECT_EQ(bad_digest.status, 400);
  EXPECT_NE(bad_digest.body.find("/0/window"), std::string::npos) << bad_digest.body;
  EXPECT_EQ(admin("POST", "/v1/notifications", R"({"user_id":"nobody","type":"comment"})").status, 400);
  EXPECT_EQ(admin("POST", "/v1/notifications", R"({"user_id":")" + user + R"(","type":"nope"})").status, 400);
  EXPECT_EQ(me("POST", "/v1/notifications", R"({"user_id":")" + user + R"(","type":"comment"})").status, 403);

  // SendGrid at runtime: the provider answers the X-Message-Id its Event
  // Webhook later names, and a signed "delivered" event ends the timeline.
  sendgrid.set_default({202, {{"X-Message-Id", "E2eMsg1"}}, ""});
  ASSERT_EQ(admin("PUT", "/v1/config/email.providers", R"({"value":["sendgrid"]})").status, 200);
  auto mail = admin("POST", "/v1/notifications",
                    R"({"user_id":")" + user + R"(","type":"welcome","channels":["email"],"data":{"email":"z"}})");
  ASSERT_EQ(mail.status, 202) << mail.body;
  std::string mid = std::string(bj::parse(mail.body).at("id").as_string());
  auto delivery = [&] { return bj::parse(admin("GET", "/v1/notifications/" + mid).body).at("deliveries").at(0); };
  ASSERT_TRUE(eventually([&] { return delivery().at("status").as_string() == "sent"; })) << delivery();
  EXPECT_EQ(delivery().at("provider").as_string(), "sendgrid");
  ASSERT_EQ(sendgrid.request_count(), 1u);
  EXPECT_EQ(sendgrid.requests()[0].header("authorization"), "Bearer SG.e2e");

  const std::string events =
      R"([{"email":"zoe@example.com","event":"delivered","sg_event_id":"ev-1","response":"250 OK",)"
      R"("sg_message_id":"E2eMsg1.filter0001.16648.5515E0B88.0","timestamp":1700000000}])";
  const std::string ts = std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                            std::chrono::system_clock::now().time_since_epoch())
                                            .count());
  auto callback = [&](const std::string& signature) {
    return http_request("POST", s.url("/v1/notifications/callbacks/sendgrid"), events,
                        {kJson, "X-Twilio-Email-Event-Webhook-Signature: " + signature,
                         "X-Twilio-Email-Event-Webhook-Timestamp: " + ts});
  };
  auto forged = callback(EcKey().sign(ts + events));
  EXPECT_EQ(forged.status, 401) << forged.body;
  EXPECT_EQ(forged.headers["content-type"], "application/problem+json");
  EXPECT_EQ(delivery().at("status").as_string(), "sent") << "a bad signature changes nothing";
  auto signed_ok = callback(sendgrid_key.sign(ts + events));
  ASSERT_EQ(signed_ok.status, 200) << signed_ok.body;
  EXPECT_EQ(bj::parse(signed_ok.body).at("updated").as_int64(), 1);
  auto reached = delivery();
  EXPECT_EQ(reached.at("status").as_string(), "delivered");
  const auto& timeline = reached.at("timeline").as_array();
  ASSERT_FALSE(timeline.empty());
  EXPECT_EQ(timeline.back().at("status").as_string(), "delivered") << reached;
  EXPECT_EQ(timeline.back().at("provider").as_string(), "sendgrid");
  EXPECT_EQ(bj::parse(callback(sendgrid_key.sign(ts + events)).body).at("updated").as_int64(), 0) << "idempotent";

  // Twilio signs the public URL (from config, not the Host we were reached
  // at) and the decoded form; a verified status for an unknown message is 200.
  const std::string form = "MessageSid=SMunknown&MessageStatus=delivered&To=%2B4915112345678";
  const std::string twilio_sig = notify::signatures::twilio_signature(
      "tw-e2e", "https://sb.example.com/v1/notifications/callbacks/twilio",
      {{"MessageSid", "SMunknown"}, {"MessageStatus", "delivered"}, {"To", "+4915112345678"}});
  const std::string form_type = "Content-Type: application/x-www-form-urlencoded";
  auto twilio = http_request("POST", s.url("/v1/notifications/callbacks/twilio"), form,
                             {form_type, "X-Twilio-Signature: " + twilio_sig});
  EXPECT_EQ(twilio.status, 200) << twilio.body;
  EXPECT_EQ(http_request("POST", s.url("/v1/notifications/callbacks/twilio"), form + "&x=1",
                         {form_type, "X-Twilio-Signature: " + twilio_sig})
                .status,
            401);
  EXPECT_EQ(http_request("POST", s.url("/v1/notifications/callbacks/mailgun"), "{}", {kJson}).status, 503)
      << "no Mailgun signing key configured";
}

}  // namespace
}  // namespace sb::test
