// Feature flags with Unleash's evaluation semantics (the client
// specification, npm @unleash/client-specification, is the test oracle).
//
// A FlagSet is one environment's flags compiled from the document Unleash's
// client API serves (`GET /api/client/features`, v2 shape:
// {"version":2,"features":[…],"segments":[…]}). It is immutable: a change
// compiles a new set and the Evaluator swaps it in, so evaluation takes no
// lock and allocates nothing (one exception: a REGEX constraint runs RE2,
// whose DFA takes a shared reader lock on its state cache and grows that
// cache the first time an input needs new states).
#pragma once

#include <boost/json/fwd.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/result.h"

namespace sb::flags {

// Unleash's context. A field left empty is absent (as undefined is to the
// SDKs): a constraint on it does not match unless inverted / NOT_IN.
struct Context {
  std::string user_id;
  std::string session_id;
  std::string remote_address;
  std::string environment;
  std::string app_name;
  std::string current_time;  // RFC 3339; empty = the FlagSet's clock
  std::vector<std::pair<std::string, std::string>> properties;

  // The value a constraint's contextName or a stickiness names: "userId",
  // "sessionId", "remoteAddress", "environment", "appName", "currentTime",
  // else properties[name]. nullopt when absent.
  std::optional<std::string_view> field(std::string_view name) const;
};

struct Payload {
  std::string type;  // "string" | "json" | "csv" | "number"
  std::string value;
};

// A variant as the SDKs report it. `name`/`payload` point into the FlagSet
// that produced it: valid while that set is held.
struct Variant {
  std::string_view name = "disabled";
  bool enabled = false;
  bool feature_enabled = false;
  const Payload* payload = nullptr;
};

class FlagSet {
 public:
  // Compiles and validates a client-API document. Errors are
  // InvalidArgument (unknown operator, invalid regex/semver/date/CIDR/number,
  // variant weights that do not add up, a segment id not in "segments",
  // a missing or cyclic dependency) naming a JSON pointer into `doc`, e.g.
  // "/features/3/strategies/0/constraints/1/operator". `clock` supplies
  // "now" for DATE_* constraints when the context has no currentTime; it
  // must outlive the set.
  static Result<std::shared_ptr<const FlagSet>> compile(const boost::json::value& doc,
                                                        const Clock& clock = Clock::system());
  struct CompileOptions {
    // Evaluate what an SDK would instead of refusing it: an unknown operator
    // never matches, an invalid number/date/semver/regex makes its operator
    // answer no (which `inverted` flips), invalid CIDRs and IPs are
    // skipped, a missing segment fails its strategy, a missing,
    // transitive or cyclic dependency disables the child. The client
    // specification's documents carry such entries on purpose (a server is
    // meant to refuse them, an SDK to survive them); Switchboard's own sets
    // compile strictly.
    bool lenient = false;
  };
  static Result<std::shared_ptr<const FlagSet>> compile(const boost::json::value& doc, const Clock& clock,
                                                        const CompileOptions& options);
  static std::shared_ptr<const FlagSet> empty();

  ~FlagSet();
  FlagSet(const FlagSet&) = delete;
  FlagSet& operator=(const FlagSet&) = delete;

  // A flag that does not exist is disabled with variant "disabled".
  bool is_enabled(std::string_view flag, const Context& ctx) const;
  Variant variant(std::string_view flag, const Context& ctx) const;
  bool contains(std::string_view flag) const;
  // Flag names in document order.
  const std::vector<std::string>& names() const;

 private:
  struct Impl;
  explicit FlagSet(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Checks one flag object in the features-array shape, as the admin API
// receives it, without the set-level checks (segments, dependencies) that
// compile adds. Errors name JSON pointers relative to the flag
// ("/strategies/0/constraints/1/operator").
Status check_feature(const boost::json::value& feature);

// The current FlagSet of one environment, swapped atomically on change.
// Readers on any thread; publish from any thread.
class Evaluator {
 public:
  Evaluator();
  ~Evaluator();
  void publish(std::shared_ptr<const FlagSet> set);
  std::shared_ptr<const FlagSet> snapshot() const;

  bool is_enabled(std::string_view flag, const Context& ctx) const;
  // Owning copy of FlagSet::variant (the set may be swapped meanwhile).
  struct OwnedVariant {
    std::string name = "disabled";
    bool enabled = false;
    bool feature_enabled = false;
    std::optional<Payload> payload;
  };
  OwnedVariant variant(std::string_view flag, const Context& ctx) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sb::flags
