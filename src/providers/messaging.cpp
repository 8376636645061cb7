#include "providers/messaging.h"

#include <spdlog/spdlog.h>

#include "providers/address.h"
#include "providers/builtin.h"
#include "providers/channel.h"

namespace sb::providers {

namespace {
// Read on every send: a change applies to the next message.
const config::Key<std::string> kEmailFrom{
    "email.from", "no-reply@localhost", "Default From: address, e.g. \"Acme <no-reply@acme.example>\"", config::hot,
    config::check(
        [](const std::string& v) -> std::optional<std::string> {
          if (parse_mailbox(v)) return std::nullopt;
          return "must be an email address";
        },
        "email address")};
const config::Key<std::string> kSmsFrom{
    "sms.from", "", "Default sender: E.164 number or alphanumeric id", config::hot,
    config::check(
        [](const std::string& s) -> std::optional<std::string> {
          if (s.empty() || is_e164(s) || is_sender_id(s)) return std::nullopt;
          return "must be an E.164 phone number or an alphanumeric sender id";
        },
        "E.164 number or sender id")};
}  // namespace

Messaging::Messaging(config::ConfigService& config, const Clock& clock, metrics::Registry* metrics,
                     std::string data_dir, MessagingOptions options)
    : config_(config), data_dir_(std::make_shared<std::string>(std::move(data_dir))) {
  ProviderEnv env{data_dir_, &clock};
  std::apply(
      [&](auto&... channel) {
        (
            [&] {
              using Kind = typename std::remove_reference_t<decltype(*channel)>::Kind;
              channel = std::make_unique<Channel<Kind>>(config, clock, metrics, options.sleeper, options.random);
              Kind::declare(config);
              // Built-in names are fixed and distinct; a failure here is a programming error.
              if (options.register_builtins)
                if (Status s = Kind::register_builtins(channel->registry(), env); !s)
                  spdlog::error("providers: {}", s.to_string());
            }(),
            ...);
      },
      channels_);
  (void)reload();  // refusals are logged and kept in status<Kind>()
}

Messaging::~Messaging() = default;

template <typename Kind>
Result<Receipt> Messaging::send(typename Kind::Message m, const std::string& provider) const {
  SB_TRY(Kind::prepare(m, config_));
  return channel<Kind>().send(m, provider);
}
template <typename Kind>
Registry<typename Kind::Sender>& Messaging::registry() {
  return channel<Kind>().registry();
}
template <typename Kind>
std::vector<std::string> Messaging::providers() const {
  return channel<Kind>().registry().list();
}
template <typename Kind>
std::vector<std::string> Messaging::chain() const {
  return channel<Kind>().active();
}
template <typename Kind>
Status Messaging::status() const {
  return channel<Kind>().last_reload();
}

void Messaging::set_data_dir(const std::string& dir) { *data_dir_ = dir; }

Status Messaging::reload() {
  Status first;
  std::apply(
      [&](auto&... channel) {
        ([&] {
          Status s = channel->reload();
          if (first.is_ok()) first = s;
        }(), ...);
      },
      channels_);
  return first;
}

// ---- the kinds' own rules

void EmailKind::declare(config::ConfigService& config) { config.declare(kEmailFrom); }

Status EmailKind::prepare(EmailMessage& m, const config::ConfigService& config) {
  if (m.from.empty()) m.from = config.get(kEmailFrom);
  return validate_email(m, /*require_from=*/true);
}

Status EmailKind::register_builtins(Registry<EmailSender>& registry, const ProviderEnv& env) {
  return register_builtin_email(registry, env);
}

void SmsKind::declare(config::ConfigService& config) { config.declare(kSmsFrom); }

Status SmsKind::prepare(SmsMessage& m, const config::ConfigService& config) {
  if (m.from.empty()) m.from = config.get(kSmsFrom);
  return validate_sms(m, /*require_from=*/false);
}

Status SmsKind::register_builtins(Registry<SmsSender>& registry, const ProviderEnv& env) {
  return register_builtin_sms(registry, env);
}

// Emits every member template for every kind in ChannelKinds (their
// definitions live only in this file): a new kind needs no line here. The
// table is kept by the linker ([[gnu::used]]), and it points at each one.
template <typename... Kinds>
constexpr auto member_table(std::tuple<Kinds...>*) {
  return std::tuple_cat(std::make_tuple(&Messaging::send<Kinds>, &Messaging::registry<Kinds>,
                                        &Messaging::providers<Kinds>, &Messaging::chain<Kinds>,
                                        &Messaging::status<Kinds>)...);
}
[[gnu::used]] const auto kEveryKindsMembers = member_table(static_cast<ChannelKinds*>(nullptr));

}  // namespace sb::providers
