#include "api/messages_api.h"

#include "api/json_body.h"
#include "core/thread_pool.h"
#include "http/problem.h"
#include "providers/messaging.h"

namespace sb::api {

namespace {
template <typename Parse, typename Send>
void send(const Services& s, http::Request& req, http::Respond respond, Parse parse, Send send_fn) {
  auto body = json_body(req);
  if (!body.ok()) return respond(error_response(body.status(), req));
  auto msg = parse(*body);
  if (!msg.ok()) return respond(error_response(msg.status(), req));
  std::string rid = req.request_id;
  auto task = [s, rid, respond, send_fn, m = std::move(*msg)]() mutable {
    auto receipt = send_fn(*s.messaging, std::move(m));
    if (!receipt.ok()) return respond(http::problem(receipt.status(), rid));
    respond(json_response(200, providers::to_json(*receipt)));
  };
  if (!s.blocking->submit(std::move(task)))
    respond(http::problem(Status::unavailable("server is shutting down"), rid));
}
}  // namespace

void send_email(const Services& s, http::Request& req, http::Respond respond) {
  send(s, req, std::move(respond), providers::parse_email,
       [](providers::Messaging& m, providers::EmailMessage msg) { return m.send_email(std::move(msg)); });
}

void send_sms(const Services& s, http::Request& req, http::Respond respond) {
  send(s, req, std::move(respond), providers::parse_sms,
       [](providers::Messaging& m, providers::SmsMessage msg) { return m.send_sms(std::move(msg)); });
}

}  // namespace sb::api
