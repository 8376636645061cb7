// Segments (shared constraint sets) and the Unleash SDKs' API tokens.
#include "core/crypto.h"
#include "core/ids.h"
#include "core/json.h"
#include "events/event_log.h"
#include "flags/service.h"
#include "flags/service_impl.h"
#include "store/db.h"

namespace sb::flags {

namespace bj = boost::json;
using detail::ErrorPlaces;
using detail::StoreState;

Result<bj::object> Service::put_segment(int64_t id, const bj::object& body, const std::string& actor) {
  if (id < 1) return Status::invalid("id", "must be a positive integer");
  std::vector<FieldError> errs;
  std::string name = "segment-" + std::to_string(id), description;
  for (Status st : {json::get_string(body, "name", name, false), json::get_string(body, "description", description, false)})
    for (const auto& f : st.fields()) errs.push_back(f);
  if (auto* bid = body.if_contains("id"); bid && !(bid->is_int64() && bid->as_int64() == id))
    errs.push_back({"/id", "must be the segment's id, " + std::to_string(id)});
  auto* constraints = body.if_contains("constraints");
  if (!constraints || !constraints->is_array()) errs.push_back({"/constraints", "must be an array of constraints"});
  if (!errs.empty()) return Status::invalid(std::move(errs));
  bj::object segment{{"id", id}, {"name", name}, {"description", description}, {"constraints", *constraints}};
  SB_TRY(write_change([&](store::Tx& tx, int64_t revision) -> Status {
    SB_ASSIGN(StoreState state, detail::load_state(tx));
    state.revision = revision;
    bj::value before = nullptr;
    if (auto it = state.segments.find(id); it != state.segments.end()) before = it->second;
    state.segments[id] = segment;
    ErrorPlaces places;
    places.segment = [id](int64_t s) -> std::optional<std::string> {
      if (s == id) return std::string();
      return std::nullopt;
    };
    places.fallback = "/constraints";
    SB_TRY(detail::validate(state, environments_, places, clock_));
    SB_TRY(detail::save_segment(tx, segment, clock_.now_ms()));
    std::string data = json::serialize(bj::object{{"id", id}, {"change", "put"}, {"before", before}, {"after", segment}});
    return log_.append(tx, kSegmentUpdated.make_serialized(clock_, std::to_string(id), std::move(data))).status();
  }));
  return segment;
}

Result<bj::array> Service::list_segments() {
  bj::array out;
  SB_TRY(db_.read([&](store::Tx& tx) -> Status {
    SB_ASSIGN(StoreState state, detail::load_state(tx));
    for (auto& [id, seg] : state.segments) {
      bj::array used_by;
      for (const auto& [flag, envs] : state.features) {
        bool uses = false;
        for (const auto& [env, ef] : envs) uses = uses || detail::segments_used(ef.feature).contains(id);
        if (uses) used_by.emplace_back(flag);
      }
      bj::object o = seg;
      o["used_by"] = std::move(used_by);
      out.push_back(std::move(o));
    }
    return {};
  }));
  return out;
}

Status Service::delete_segment(int64_t id, const std::string& actor) {
  return write_change([&](store::Tx& tx, int64_t) -> Status {
    SB_ASSIGN(StoreState state, detail::load_state(tx));
    auto it = state.segments.find(id);
    if (it == state.segments.end()) return Status::not_found("no segment " + std::to_string(id));
    std::string users;
    for (const auto& [flag, envs] : state.features) {
      bool uses = false;
      for (const auto& [env, ef] : envs) uses = uses || detail::segments_used(ef.feature).contains(id);
      if (uses) users += (users.empty() ? "" : ", ") + flag;
    }
    if (!users.empty())
      return Status::conflict("segment " + std::to_string(id) + " is in use by flags: " + users);
    SB_TRY(tx.exec("DELETE FROM flag_segments WHERE id = $1", {id}));
    std::string data = json::serialize(bj::object{{"id", id}, {"change", "deleted"}, {"before", it->second}});
    return log_.append(tx, kSegmentDeleted.make_serialized(clock_, std::to_string(id), std::move(data))).status();
  });
}

Result<std::pair<std::string, Token>> Service::create_token(TokenType type, const std::string& env,
                                                            const std::string& name, const std::string& actor) {
  SB_TRY(check_environment(env, "/environment"));
  if (name.size() > 200) return Status::invalid("/name", "must be at most 200 characters");
  // Unleash's format, "<project>:<environment>.<secret>": SDKs and proxies
  // that read the environment from the token keep working.
  std::string secret = "*:" + env + "." + crypto::sha256_hex(crypto::random_bytes(32)).substr(0, 48);
  Token t{new_uuid_v7(clock_), type, env, name.empty() ? std::string(token_type_name(type)) + "-token" : name, actor,
          clock_.now_ms()};
  SB_TRY(db_.write([&](store::Tx& tx) -> Status {
    SB_TRY(tx.exec("INSERT INTO flag_tokens (id, secret_hash, type, environment, name, created_by, created_at) "
                   "VALUES ($1, $2, $3, $4, $5, $6, $7)",
                   {t.id, crypto::sha256_hex(secret), std::string(token_type_name(type)), env, t.name, actor,
                    t.created_at_ms}));
    std::string data = json::serialize(bj::object{
        {"id", t.id}, {"type", token_type_name(type)}, {"environment", env}, {"name", t.name}});
    return log_.append(tx, kTokenCreated.make_serialized(clock_, t.id, std::move(data))).status();
  }));
  SB_TRY(reload());
  return std::make_pair(std::move(secret), std::move(t));
}

Result<std::vector<Token>> Service::list_tokens() {
  std::vector<Token> out;
  SB_TRY(db_.read([&](store::Tx& tx) -> Status {
    SB_ASSIGN(auto rows, tx.query("SELECT id, type, environment, name, created_by, created_at FROM flag_tokens "
                                  "ORDER BY created_at, id"));
    for (const auto& r : rows)
      out.push_back({r.text_at(0), r.text_at(1) == "frontend" ? TokenType::kFrontend : TokenType::kClient,
                     r.text_at(2), r.text_at(3), r.text_at(4), r.int_at(5)});
    return {};
  }));
  return out;
}

Status Service::delete_token(const std::string& id, const std::string& actor) {
  SB_TRY(db_.write([&](store::Tx& tx) -> Status {
    SB_ASSIGN(int64_t n, tx.exec("DELETE FROM flag_tokens WHERE id = $1", {id}));
    if (n == 0) return Status::not_found("no token " + id);
    return log_.append(tx, kTokenDeleted.make_serialized(clock_, id, json::serialize(bj::object{{"id", id}}))).status();
  }));
  return reload();
}

}  // namespace sb::flags
