// flags::Service — the flag store: flags, segments and SDK tokens in the Db,
// each change validated against the set it joins and appended as an event in
// the same transaction; and the compiled FlagSet per environment that
// evaluation and the Unleash client API read (evaluator.h).
//
// Model (Unleash's): a flag has its own fields (type, description, project,
// impressionData) and, per environment, a feature object — enabled,
// strategies, variants, dependencies — in the exact JSON shape of one
// element of `GET /api/client/features` `features`. Environments are the
// configured list (flags.environments). Segments are shared by all
// environments.
//
// Every instance follows the log: on any flag.* event it re-reads the store
// and publishes new sets (reload()), so a change made anywhere reaches
// in-process evaluators and SDK polls. A local write reloads before it
// returns, so a caller reads its own write.
//
// Thread-safe.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "events/event_type.h"
#include "flags/evaluator.h"

namespace sb::store { class Db; class Tx; }
namespace sb::events { class EventLog; struct Event; }

namespace sb::flags {

inline constexpr std::string_view kFlagsSource = "/switchboard/flags";
inline constexpr events::EventType kFlagUpdated{kFlagsSource, "flag.updated",
    "A flag was created or changed (definition, enabled in an environment, archived, revived); data has before/after"};
inline constexpr events::EventType kFlagDeleted{kFlagsSource, "flag.deleted", "A flag was deleted; data has before"};
inline constexpr events::EventType kSegmentUpdated{kFlagsSource, "flag.segment.updated",
                                                   "A segment was created or changed; data has before/after"};
inline constexpr events::EventType kSegmentDeleted{kFlagsSource, "flag.segment.deleted", "A segment was deleted"};
inline constexpr events::EventType kTokenCreated{kFlagsSource, "flag.token.created",
                                                 "An SDK token was created (the secret is not in the event)"};
inline constexpr events::EventType kTokenDeleted{kFlagsSource, "flag.token.deleted", "An SDK token was revoked"};
inline constexpr const events::EventType* kFlagEventTypes[] = {&kFlagUpdated,    &kFlagDeleted,  &kSegmentUpdated,
                                                               &kSegmentDeleted, &kTokenCreated, &kTokenDeleted};

// What the client API serves for one environment, built once per change.
struct Published {
  int64_t revision = 0;
  std::shared_ptr<const FlagSet> set;
  std::string document;  // {"version":2,"features":[…],"segments":[…],"query":…,"meta":…}
  std::string etag;      // quoted, for ETag / If-None-Match
  std::set<std::string, std::less<>> impression_data;  // flags with impressionData (the frontend API says so)
};

enum class TokenType { kClient, kFrontend };

struct Token {
  std::string id;
  TokenType type = TokenType::kClient;
  std::string environment;
  std::string name;
  std::string created_by;
  int64_t created_at_ms = 0;
};

// One SDK's evaluation counts for one bucket (POST /api/client/metrics).
struct MetricsReport {
  std::string app_name;
  std::string environment;
  int64_t bucket_start_ms = 0;
  struct Count {
    std::string flag;
    int64_t yes = 0;
    int64_t no = 0;
  };
  std::vector<Count> counts;
};

struct ClientRegistration {
  std::string app_name;
  std::string instance_id;
  std::string environment;
  std::string sdk_version;
  std::vector<std::string> strategies;
  int64_t interval_ms = 0;
  std::string started;
};

const char* token_type_name(TokenType t);

class Service {
 public:
  // `environments`: the known environment names (at least one).
  Service(store::Db& db, events::EventLog& log, const Clock& clock, std::vector<std::string> environments);
  ~Service();

  const std::vector<std::string>& environments() const { return environments_; }
  // InvalidArgument naming `field` unless `env` is a configured environment.
  Status check_environment(std::string_view env, std::string_view field) const;

  // ---- flags (admin API; `env` is the environment the body describes)
  // Creates or replaces a flag. `body`: one element of the client API's
  // features array (its name, if present, must be `name`), optionally with
  // "environments": {"<env>": {"enabled": bool}, …} to write the same
  // definition to several environments; or the easy form {"enabled",
  // "users": [...], "rollout": 0..100}. Returns the flag as get_flag shows it.
  Result<boost::json::object> put_flag(const std::string& name, const boost::json::object& body,
                                       const std::string& env, const std::string& actor);
  // The flag in `env` (client-API shape) plus "environments" (enabled per
  // environment), "archived", "created_at", "updated_at". NotFound if absent.
  Result<boost::json::object> get_flag(const std::string& name, const std::string& env);
  Result<boost::json::array> list_flags(const std::string& env, bool archived);
  // Conflict while another flag depends on it.
  Status delete_flag(const std::string& name, const std::string& actor);
  Status set_enabled(const std::string& name, const std::string& env, bool enabled, const std::string& actor);
  // An archived flag is kept but neither served nor evaluated (disabled);
  // revive brings it back disabled in every environment, as Unleash does.
  Status archive(const std::string& name, const std::string& actor);
  Status revive(const std::string& name, const std::string& actor);
  // Imports a client-API document into `env`: segments by id, then flags by
  // name (replacing what exists). All or nothing. Returns counts.
  Result<boost::json::object> import(const boost::json::object& doc, const std::string& env,
                                     const std::string& actor);

  // ---- segments
  Result<boost::json::object> put_segment(int64_t id, const boost::json::object& body, const std::string& actor);
  Result<boost::json::array> list_segments();
  // Conflict while a strategy of any flag refers to it.
  Status delete_segment(int64_t id, const std::string& actor);

  // ---- SDK tokens
  // Returns the token (shown once) and its record.
  Result<std::pair<std::string, Token>> create_token(TokenType type, const std::string& env, const std::string& name,
                                                     const std::string& actor);
  Result<std::vector<Token>> list_tokens();
  Status delete_token(const std::string& id, const std::string& actor);
  // The token's record if `secret` is a live token (memory only; cheap).
  std::optional<Token> authenticate(std::string_view secret) const;

  // ---- serving and evaluation
  // Never null for a configured environment (an empty set before load()).
  std::shared_ptr<const Published> published(std::string_view env) const;
  // The in-process evaluator of `env`; null for an unknown environment.
  const Evaluator* evaluator(std::string_view env) const;

  // ---- SDK usage
  Status register_client(const ClientRegistration& reg);
  Status record_metrics(const MetricsReport& report);
  // Counts per hour and application since `since_ms`.
  Result<boost::json::object> metrics(const std::string& flag, const std::string& env, int64_t since_ms);
  Result<boost::json::array> clients();

  // Re-reads the store and publishes every environment's set and the
  // tokens. Called at start, after local writes, and for flag.* events
  // (by any instance: the caller follows the log).
  Status reload();

 private:
  struct State;
  // Runs `change` in a write transaction after taking the revision row; then reloads.
  Status write_change(const std::function<Status(store::Tx&, int64_t revision)>& change);

  store::Db& db_;
  events::EventLog& log_;
  const Clock& clock_;
  const std::vector<std::string> environments_;

  std::mutex reload_mu_;  // one reload at a time, so an older read never replaces a newer one
  std::map<std::string, std::unique_ptr<Evaluator>, std::less<>> evaluators_;  // fixed after construction
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<const Published>, std::less<>> published_;  // guarded by mu_
  std::unordered_map<std::string, Token> tokens_by_hash_;                           // guarded by mu_
  int64_t revision_ = -1;                                                           // guarded by reload_mu_
};

}  // namespace sb::flags
