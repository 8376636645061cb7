// Failover, retries and circuit breaking through Messaging with scripted
// fakes, a ManualClock and a sleeper that records delays instead of waiting.
#include <gtest/gtest.h>

#include "core/metrics.h"
#include "fake_senders.h"
#include "providers/messaging.h"
#include "temp_dir.h"

namespace sb::providers {
namespace {

using testing::email_to;
using testing::fake_email;
using testing::list;
using testing::Script;

class ChainTest : public ::testing::Test {
 protected:
  ChainTest()
      : config_(nullptr, nullptr, clock_),
        sleeps_{&clock_},
        messaging_(config_, clock_, &metrics_, dir_.path(),
                   {.sleeper = sleeps_.sleeper(), .random = [](int64_t hi) { return hi; }}) {
    for (const char* n : {"a", "b", "c"}) {
      scripts_[n] = std::make_shared<Script>();
      EXPECT_TRUE(messaging_.email_registry().add(fake_email(n, scripts_[n])));
    }
  }

  void use(boost::json::value providers) {
    ASSERT_TRUE(config_.set("email.providers", providers, "test"));
  }
  void set(const std::string& key, boost::json::value v) { ASSERT_TRUE(config_.set(key, v, "test")); }
  double sends(const std::string& provider, const char* outcome) {
    return metrics_.counter("sb_provider_sends_total", "",
                            {{"channel", "email"}, {"provider", provider}, {"outcome", outcome}})
        .value();
  }
  double breaker(const std::string& provider) {
    return metrics_.gauge("sb_provider_breaker_state", "", {{"channel", "email"}, {"provider", provider}})
        .value();
  }

  ManualClock clock_;
  test::TempDir dir_;
  metrics::Registry metrics_;
  config::ConfigService config_;
  testing::SleepRecorder sleeps_;
  Messaging messaging_;
  std::map<std::string, std::shared_ptr<Script>> scripts_;
};

TEST_F(ChainTest, FailsOverInOrderAndTheReceiptNamesWhoDelivered) {
  use(list({"a", "b", "c"}));
  scripts_["a"]->fail_always(Status::unavailable("a: HTTP 503"));
  scripts_["b"]->fail_always(Status::permission_denied("b: HTTP 401"));
  auto r = messaging_.send_email(email_to());
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->provider, "c");
  EXPECT_EQ(r->message_id, "c-id-1");
  EXPECT_EQ(r->failed_over_from, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(scripts_["a"]->call_count(), 3);  // transient: retried up to email.retry.max_attempts
  EXPECT_EQ(scripts_["b"]->call_count(), 1);  // credentials rejected: no retry
  EXPECT_EQ(r->attempts, 5);
  EXPECT_EQ(sends("a", "failed"), 1);
  EXPECT_EQ(sends("b", "failed"), 1);
  EXPECT_EQ(sends("c", "sent"), 1);
}

TEST_F(ChainTest, ANamedProviderBypassesTheChainForThatMessageOnly) {
  use(list({"a", "b"}));
  auto r = messaging_.send_email(email_to(), "b");
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->provider, "b");
  EXPECT_EQ(scripts_["a"]->call_count(), 0);
  // Registered but not in the chain: built for the message, same rules.
  auto c = messaging_.send_email(email_to(), "c");
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  EXPECT_EQ(c->provider, "c");
  EXPECT_EQ(sends("c", "sent"), 1);
  // The named provider alone: its failure is not failed over.
  scripts_["b"]->fail_always(Status::unavailable("b: HTTP 503"));
  auto failed = messaging_.send_email(email_to(), "b");
  EXPECT_FALSE(failed.ok());
  EXPECT_EQ(scripts_["a"]->call_count(), 0);
  // Unknown: the caller's field.
  auto unknown = messaging_.send_email(email_to(), "nope");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), Code::kInvalidArgument);
  ASSERT_FALSE(unknown.status().fields().empty());
  EXPECT_EQ(unknown.status().fields()[0].field, "/provider");
  // The chain itself is unchanged.
  EXPECT_EQ(messaging_.email_chain(), (std::vector<std::string>{"a", "b"}));
}

TEST_F(ChainTest, FirstProviderThatWorksIsUsedAndLaterOnesAreNotCalled) {
  use(list({"b", "a"}));
  auto r = messaging_.send_email(email_to());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->provider, "b");
  EXPECT_TRUE(r->failed_over_from.empty());
  EXPECT_EQ(r->attempts, 1);
  EXPECT_EQ(scripts_["a"]->call_count(), 0);
}

TEST_F(ChainTest, RetriesTransientErrorsWithCappedFullJitterBackoff) {
  use(list({"a", "b"}));
  set("email.retry.max_attempts", 4);
  set("email.retry.base_delay_ms", 100);
  set("email.retry.max_delay_ms", 300);
  scripts_["a"]->fail_next(3, Status::unavailable("a: HTTP 503"));
  auto r = messaging_.send_email(email_to());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->provider, "a");
  EXPECT_EQ(r->attempts, 4);
  EXPECT_TRUE(r->failed_over_from.empty());
  // Random source returns the ceiling: 100, 200, then capped at 300.
  EXPECT_EQ(*sleeps_.delays, (std::vector<int64_t>{100, 200, 300}));
  EXPECT_EQ(scripts_["b"]->call_count(), 0);
}

TEST_F(ChainTest, RejectedMessageIsNotRetriedButStillFailsOver) {
  use(list({"a", "b"}));
  scripts_["a"]->fail_next(1, Status(Code::kInvalidArgument, "a: HTTP 400: bad recipient"));
  auto r = messaging_.send_email(email_to());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->provider, "b");
  EXPECT_EQ(scripts_["a"]->call_count(), 1);
  EXPECT_TRUE(sleeps_.delays->empty());
}

TEST_F(ChainTest, AGoneRecipientEndsTheSendWithoutRetryFailoverOrBreakerDamage) {
  // NotFound (a push subscription the push service dropped, sender.h): no
  // other provider can deliver to it and the caller must see it to forget it.
  use(list({"a", "b"}));
  set("email.breaker.window", 4);
  set("email.breaker.min_calls", 2);
  scripts_["a"]->fail_always(Status::not_found("a: subscription gone (HTTP 410)"));
  for (int i = 0; i < 4; ++i) {
    auto r = messaging_.send_email(email_to());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), Code::kNotFound);
    EXPECT_EQ(r.status().message(), "a: subscription gone (HTTP 410)");
  }
  EXPECT_EQ(scripts_["a"]->call_count(), 4);
  EXPECT_EQ(scripts_["b"]->call_count(), 0);
  EXPECT_TRUE(sleeps_.delays->empty());
  EXPECT_EQ(breaker("a"), 0);  // still closed: the provider answered
}

TEST_F(ChainTest, WhenAllFailTransientlyTheErrorIsUnavailableAndNamesEach) {
  use(list({"a", "b"}));
  set("email.retry.max_attempts", 1);
  scripts_["a"]->fail_always(Status::unavailable("a: HTTP 503"));
  scripts_["b"]->fail_always(Status::permission_denied("b: HTTP 403"));
  auto r = messaging_.send_email(email_to());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
  EXPECT_NE(r.status().message().find("a: HTTP 503"), std::string::npos);
  EXPECT_NE(r.status().message().find("b: HTTP 403"), std::string::npos);
}

TEST_F(ChainTest, WhenAllRejectTheMessageTheCodeIsKept) {
  use(list({"a"}));
  scripts_["a"]->fail_always(Status::invalid("/to/0", "rejected by provider"));
  auto r = messaging_.send_email(email_to());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  ASSERT_EQ(r.status().fields().size(), 1u);
  EXPECT_EQ(r.status().fields()[0].field, "/to/0");
}

TEST_F(ChainTest, OpenBreakerSkipsTheProviderUntilItMayTryAgain) {
  set("email.retry.max_attempts", 1);
  set("email.breaker.window", 4);
  set("email.breaker.min_calls", 2);
  set("email.breaker.failure_rate", 0.5);
  set("email.breaker.open_ms", 10'000);
  use(list({"a", "b"}));
  scripts_["a"]->fail_always(Status::unavailable("a: timed out"));
  for (int i = 0; i < 2; ++i) {
    auto r = messaging_.send_email(email_to());
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->provider, "b");
  }
  EXPECT_EQ(scripts_["a"]->call_count(), 2);
  EXPECT_EQ(breaker("a"), 2);  // open

  // Open: "a" is not called at all, "b" delivers on the first attempt.
  auto skipped = messaging_.send_email(email_to());
  ASSERT_TRUE(skipped.ok());
  EXPECT_EQ(skipped->provider, "b");
  EXPECT_EQ(skipped->failed_over_from, (std::vector<std::string>{"a"}));
  EXPECT_EQ(skipped->attempts, 1);
  EXPECT_EQ(scripts_["a"]->call_count(), 2);
  EXPECT_EQ(sends("a", "skipped"), 1);

  // After open_ms one trial call goes through; its success closes the breaker.
  clock_.advance(Millis(10'000));
  scripts_["a"]->fail_always(Status());
  auto back = messaging_.send_email(email_to());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->provider, "a");
  EXPECT_EQ(breaker("a"), 0);
  EXPECT_EQ(breaker("b"), 0);
}

TEST_F(ChainTest, BreakerOpeningDuringRetriesFailsOverWithoutMoreCalls) {
  set("email.retry.max_attempts", 5);
  set("email.breaker.window", 2);
  set("email.breaker.min_calls", 2);
  set("email.breaker.failure_rate", 1.0);
  use(list({"a", "b"}));
  scripts_["a"]->fail_always(Status::unavailable("a: HTTP 502"));
  auto r = messaging_.send_email(email_to());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->provider, "b");
  EXPECT_EQ(scripts_["a"]->call_count(), 2);  // not 5: the breaker opened after two
  EXPECT_EQ(r->attempts, 3);
}

TEST_F(ChainTest, InvalidMessageNeverReachesAProvider) {
  use(list({"a"}));
  EmailMessage m = email_to("not-an-address");
  m.subject.clear();
  auto r = messaging_.send_email(m);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(r.status().fields().size(), 2u);
  EXPECT_EQ(scripts_["a"]->call_count(), 0);
}

TEST_F(ChainTest, FromDefaultsToConfiguredAddress) {
  use(list({"a"}));
  ASSERT_TRUE(config_.set("email.from", "Acme <hello@acme.example>", "test"));
  EXPECT_EQ(config_.set("email.from", "nope", "test").code(), Code::kInvalidArgument);
  // A capturing sender sees the filled-in From.
  std::string seen;
  Factory<EmailSender> capture{
      .name = "capture",
      .description = "records from",
      .keys = {},
      .create = [&seen](const config::ConfigService&) -> Result<std::unique_ptr<EmailSender>> {
        struct S final : EmailSender {
          std::string* seen;
          Result<std::string> send(const EmailMessage& m) override {
            *seen = m.from;
            return std::string("id");
          }
        };
        auto s = std::make_unique<S>();
        s->seen = &seen;
        return std::unique_ptr<EmailSender>(std::move(s));
      }};
  ASSERT_TRUE(messaging_.email_registry().add(capture));
  use(list({"capture"}));
  ASSERT_TRUE(messaging_.send_email(email_to()).ok());
  EXPECT_EQ(seen, "Acme <hello@acme.example>");
  EmailMessage own = email_to();
  own.from = "me@example.com";
  ASSERT_TRUE(messaging_.send_email(own).ok());
  EXPECT_EQ(seen, "me@example.com");
}

TEST_F(ChainTest, SmsChainFailsOverToo) {
  auto x = std::make_shared<Script>(), y = std::make_shared<Script>();
  ASSERT_TRUE(messaging_.sms_registry().add(testing::fake_sms("x", x)));
  ASSERT_TRUE(messaging_.sms_registry().add(testing::fake_sms("y", y)));
  ASSERT_TRUE(config_.set("sms.providers", list({"x", "y"}), "test"));
  x->fail_always(Status::unavailable("x down"));
  auto r = messaging_.send_sms({.to = "+14155550100", .body = "code 123456"});
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->provider, "y");
  EXPECT_EQ(r->failed_over_from, (std::vector<std::string>{"x"}));
  EXPECT_EQ(x->call_count(), 3);
  EXPECT_EQ(y->recipients, (std::vector<std::string>{"+14155550100"}));
}

}  // namespace
}  // namespace sb::providers
