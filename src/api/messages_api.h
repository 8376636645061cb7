// HTTP adapters for sending one email, SMS or push message now through the
// active provider chain. Sends block on provider I/O, so their routes run on
// the blocking pool; the io threads never wait on a provider.
#pragma once

#include "api/component.h"
#include "http/message.h"

#include <memory>

namespace sb::providers { class Messaging; }

namespace sb::api {

struct MessagingDeps {
  providers::Messaging* messaging = nullptr;
};

void send_email(const MessagingDeps& s, http::Request& req, http::Respond respond);
void send_sms(const MessagingDeps& s, http::Request& req, http::Respond respond);
// 410 problem+json (type .../recipient-gone) when the push service says the
// subscription is gone: the caller should delete it.
void send_push(const MessagingDeps& s, http::Request& req, http::Respond respond);
// A template message or free-form text (providers/whatsapp/whatsapp.h).
void send_whatsapp(const MessagingDeps& s, http::Request& req, http::Respond respond);

// The email, SMS, push and WhatsApp provider chains (switchable at runtime) and the routes
// that send one message now.
class MessagingComponent final : public Component {
 public:
  explicit MessagingComponent(Kernel& kernel);
  ~MessagingComponent() override;
  void declare(Declarations& d) override;
  Status init() override;
  void routes(std::vector<http::Route>& out) override;

  providers::Messaging& messaging() { return *messaging_; }

 private:
  Kernel& kernel_;
  std::unique_ptr<providers::Messaging> messaging_;
  MessagingDeps deps_;
};

}  // namespace sb::api
