#include "api/messages_api.h"

#include <spdlog/spdlog.h>

#include "api/json_body.h"
#include "config/config.h"
#include "core/metrics.h"
#include "http/problem.h"
#include "providers/messaging.h"

namespace sb::api {

namespace {
// Runs on the blocking pool (the routes are Run::kBlocking): the provider
// call may take seconds. An optional "provider" names the one provider to
// use for this message instead of the chain.
template <typename Kind>
void send(const MessagingDeps& s, http::Request& req, http::Respond respond,
          Result<typename Kind::Message> (*parse)(const boost::json::value&)) {
  auto body = json_body(req);
  if (!body.ok()) return respond(error_response(body.status(), req));
  std::string provider;
  if (auto* o = body->if_object(); o && o->contains("provider")) {
    const auto& p = o->at("provider");
    if (!p.is_string() || p.get_string().empty())
      return respond(error_response(Status::invalid("/provider", "must be a provider name"), req));
    provider = p.get_string();
    o->erase("provider");
  }
  auto msg = parse(*body);
  if (!msg.ok()) return respond(error_response(msg.status(), req));
  auto receipt = s.messaging->send<Kind>(std::move(*msg), provider);
  // NotFound from a send means the recipient is gone for good (a push
  // subscription the push service dropped; providers/sender.h), not a
  // missing route or resource: 410 tells the caller to delete it.
  if (!receipt.ok() && receipt.status().code() == Code::kNotFound)
    return respond(http::problem(410, "recipient-gone", "Recipient gone", receipt.status().message(), req.request_id));
  if (!receipt.ok()) return respond(error_response(receipt.status(), req));
  respond(json_response(200, providers::to_json(*receipt)));
}
}  // namespace

void send_email(const MessagingDeps& s, http::Request& req, http::Respond respond) {
  send<providers::EmailKind>(s, req, std::move(respond), providers::parse_email);
}

void send_sms(const MessagingDeps& s, http::Request& req, http::Respond respond) {
  send<providers::SmsKind>(s, req, std::move(respond), providers::parse_sms);
}

void send_push(const MessagingDeps& s, http::Request& req, http::Respond respond) {
  send<providers::PushKind>(s, req, std::move(respond), providers::parse_push);
}

void send_whatsapp(const MessagingDeps& s, http::Request& req, http::Respond respond) {
  send<providers::WhatsAppKind>(s, req, std::move(respond), providers::parse_whatsapp);
}

// ---- component

MessagingComponent::MessagingComponent(Kernel& kernel) : Component("messaging"), kernel_(kernel) {}
MessagingComponent::~MessagingComponent() = default;

void MessagingComponent::declare(Declarations& d) {
  // Messaging declares the provider keys as it is built: they must exist
  // before the config file is read.
  messaging_ = std::make_unique<providers::Messaging>(d.config, kernel_.clock, &kernel_.metrics, "");
  d.permission("messages:send", "Send an email, SMS, push or WhatsApp message now through the provider chain");
}

Status MessagingComponent::init() {
  messaging_->set_data_dir(kernel_.data_dir);
  // A broken chain in the stored config must not keep the server down: the
  // previous (default) chain serves until it is fixed over the API.
  if (Status s = messaging_->reload(); !s) spdlog::warn("providers: keeping the previous chain: {}", s.message());
  deps_ = {messaging_.get()};
  return {};
}

void MessagingComponent::routes(std::vector<http::Route>& out) {
  using http::Access;
  RouteTable t(out, deps_);
  t.add({"POST", "/v1/messages/email", t.pool(send_email), Access::kPermission, "messages:send"});
  t.add({"POST", "/v1/messages/sms", t.pool(send_sms), Access::kPermission, "messages:send"});
  t.add({"POST", "/v1/messages/push", t.pool(send_push), Access::kPermission, "messages:send"});
  t.add({"POST", "/v1/messages/whatsapp", t.pool(send_whatsapp), Access::kPermission, "messages:send"});
}

}  // namespace sb::api
