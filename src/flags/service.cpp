#include "flags/service.h"

#include "core/crypto.h"
#include "core/json.h"
#include "core/log.h"
#include "flags/service_impl.h"
#include "store/db.h"

namespace sb::flags {

using detail::StoreState;
namespace bj = boost::json;

const char* token_type_name(TokenType t) { return t == TokenType::kFrontend ? "frontend" : "client"; }

Service::Service(store::Db& db, events::EventLog& log, const Clock& clock, std::vector<std::string> environments)
    : db_(db), log_(log), clock_(clock), environments_(std::move(environments)) {
  for (const auto& env : environments_) {
    evaluators_.emplace(env, std::make_unique<Evaluator>());
    auto p = std::make_shared<Published>();
    p->set = FlagSet::empty();
    published_.emplace(env, std::move(p));
  }
}

Service::~Service() = default;

Status Service::check_environment(std::string_view env, std::string_view field) const {
  for (const auto& e : environments_)
    if (e == env) return {};
  std::string known;
  for (const auto& e : environments_) known += (known.empty() ? "" : ", ") + e;
  return Status::invalid(std::string(field), "unknown environment \"" + std::string(env) + "\" (known: " + known + ")");
}

std::shared_ptr<const Published> Service::published(std::string_view env) const {
  std::lock_guard lock(mu_);
  auto it = published_.find(env);
  return it == published_.end() ? nullptr : it->second;
}

const Evaluator* Service::evaluator(std::string_view env) const {
  auto it = evaluators_.find(env);
  return it == evaluators_.end() ? nullptr : it->second.get();
}

std::optional<Token> Service::authenticate(std::string_view secret) const {
  if (secret.empty() || secret.size() > 256) return std::nullopt;
  std::string hash = crypto::sha256_hex(secret);
  std::lock_guard lock(mu_);
  auto it = tokens_by_hash_.find(hash);
  if (it == tokens_by_hash_.end()) return std::nullopt;
  return it->second;
}

Status Service::reload() {
  std::lock_guard reload_lock(reload_mu_);
  StoreState state;
  std::unordered_map<std::string, Token> tokens;
  SB_TRY(db_.read([&](store::Tx& tx) -> Status {
    SB_ASSIGN(state, detail::load_state(tx));
    SB_ASSIGN(auto rows, tx.query("SELECT id, secret_hash, type, environment, name, created_by, created_at "
                                  "FROM flag_tokens"));
    for (const auto& r : rows) {
      Token t{r.text_at(0), r.text_at(2) == "frontend" ? TokenType::kFrontend : TokenType::kClient, r.text_at(3),
              r.text_at(4), r.text_at(5), r.int_at(6)};
      tokens.emplace(r.text_at(1), std::move(t));
    }
    return {};
  }));
  std::map<std::string, std::shared_ptr<const Published>, std::less<>> fresh;
  if (state.revision != revision_) {
    for (const auto& env : environments_) {
      auto p = std::make_shared<Published>();
      p->revision = state.revision;
      bj::object doc = detail::client_document(state, env, state.revision);
      auto set = FlagSet::compile(doc, clock_);
      if (!set.ok()) {
        // Writes are validated before they commit, so this is a store
        // edited by hand or by a newer version: keep serving the last good set.
        spdlog::error("flags: {} does not compile, keeping the previous set: {}", env, set.status().to_string());
        continue;
      }
      p->set = std::move(*set);
      for (const auto& f : doc.at("features").as_array())
        if (auto* imp = f.as_object().if_contains("impressionData"); imp && imp->is_bool() && imp->as_bool())
          p->impression_data.emplace(f.as_object().at("name").as_string());
      p->document = json::serialize(doc);
      p->etag = "\"" + crypto::sha256_hex(p->document).substr(0, 24) + "\"";
      evaluators_.at(env)->publish(p->set);
      fresh.emplace(env, std::move(p));
    }
    revision_ = state.revision;
  }
  std::lock_guard lock(mu_);
  for (auto& [env, p] : fresh) published_[env] = std::move(p);
  tokens_by_hash_ = std::move(tokens);
  return {};
}

Status Service::write_change(const std::function<Status(store::Tx&, int64_t revision)>& change) {
  SB_TRY(db_.write([&](store::Tx& tx) -> Status {
    SB_ASSIGN(int64_t revision, detail::bump_revision(tx));
    return change(tx, revision);
  }));
  return reload();
}

}  // namespace sb::flags
