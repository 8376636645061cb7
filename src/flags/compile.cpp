// FlagSet::compile: the document's segments, then its features, then the
// set-level checks (segment ids, dependencies) that check_feature skips.
#include "flags/compile.h"

namespace sb::flags {
namespace detail {

const bj::value* member(const bj::object& o, std::string_view key) {
  const bj::value* v = o.if_contains(key);
  return v && !v->is_null() ? v : nullptr;
}

Status as_object(const bj::value& v, const std::string& ptr, const bj::object*& out) {
  out = v.if_object();
  return out ? Status() : Status::invalid(ptr, "must be an object");  // "" is the whole document (RFC 6901)
}

Status array_member(const bj::object& o, std::string_view key, const std::string& ptr, const bj::array*& out) {
  out = nullptr;
  const bj::value* v = member(o, key);
  if (!v) return {};
  out = v->if_array();
  return out ? Status() : Status::invalid(child(ptr, key), "must be an array");
}

Status string_member(const bj::object& o, std::string_view key, const std::string& ptr, std::string& out,
                     bool required) {
  const bj::value* v = member(o, key);
  if (!v) return required ? Status::invalid(child(ptr, key), "required") : Status();
  if (!v->is_string()) return Status::invalid(child(ptr, key), "must be a string");
  out = std::string(v->get_string());
  return {};
}

Status bool_member(const bj::object& o, std::string_view key, const std::string& ptr, bool& out) {
  const bj::value* v = member(o, key);
  if (!v) return {};
  if (!v->is_bool()) return Status::invalid(child(ptr, key), "must be true or false");
  out = v->get_bool();
  return {};
}

std::optional<std::string> scalar_text(const bj::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  if (v.is_number() || v.is_bool()) return bj::serialize(v);
  return std::nullopt;
}

std::string_view trim(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

std::vector<std::string> split_list(std::string_view text) {
  std::vector<std::string> out;
  while (true) {
    size_t comma = text.find(',');
    std::string_view item = trim(text.substr(0, comma));
    if (!item.empty()) out.emplace_back(item);
    if (comma == std::string_view::npos) return out;
    text.remove_prefix(comma + 1);
  }
}

namespace {

using SegmentIndex = std::unordered_map<int64_t, uint32_t>;

Status compile_segments(const bj::object& doc, bool lenient, SetData& set, SegmentIndex& index) {
  const bj::array* segments = nullptr;
  SB_TRY(array_member(doc, "segments", "", segments));
  for (size_t i = 0; segments && i < segments->size(); ++i) {
    std::string ptr = child("/segments", i);
    const bj::object* o = nullptr;
    SB_TRY(as_object((*segments)[i], ptr, o));
    const bj::value* id = member(*o, "id");
    if (!id || !(id->is_int64() || id->is_uint64())) return Status::invalid(child(ptr, "id"), "must be an integer");
    if (!index.emplace(id->to_number<int64_t>(), static_cast<uint32_t>(set.segments.size())).second && !lenient)
      return Status::invalid(child(ptr, "id"), "duplicate segment id");
    Segment seg;
    const bj::array* constraints = nullptr;
    SB_TRY(array_member(*o, "constraints", ptr, constraints));
    SB_TRY(compile_constraints(constraints, child(ptr, "constraints"), lenient, seg.constraints));
    set.segments.push_back(std::move(seg));
  }
  return {};
}

// Whether following dependencies from `from` comes back to `target`.
bool reaches(const std::vector<FeatureDraft>& drafts, const SetData& set, uint32_t from, uint32_t target,
             std::vector<bool>& seen) {
  if (from == target) return true;
  if (seen[from]) return false;
  seen[from] = true;
  for (const std::string& p : drafts[from].parents) {
    auto it = set.by_name.find(p);
    if (it != set.by_name.end() && reaches(drafts, set, it->second, target, seen)) return true;
  }
  return false;
}

// Unleash allows one level: a parent must exist and have no parents itself
// (which also rules out cycles). Errors name the dependency's "feature".
Status resolve_dependencies(std::vector<FeatureDraft>& drafts, const std::vector<uint32_t>& ptr_index, bool lenient,
                            SetData& set) {
  for (uint32_t i = 0; i < drafts.size(); ++i) {
    Flag& f = drafts[i].flag;
    for (size_t k = 0; k < f.dependencies.size(); ++k) {
      const std::string& parent = drafts[i].parents[k];
      std::string at = child(child(child("/features", ptr_index[i]), "dependencies"), k) + "/feature";
      auto it = set.by_name.find(parent);
      std::string error;
      if (it == set.by_name.end()) {
        error = "no flag named '" + parent + "'";
      } else {
        f.dependencies[k].parent = it->second;
        if (!drafts[it->second].parents.empty()) {
          std::vector<bool> seen(drafts.size());
          error = reaches(drafts, set, it->second, i, seen)
                      ? "cyclic dependency through '" + parent + "'"
                      : "'" + parent + "' has dependencies of its own; Unleash allows one level";
        }
      }
      if (error.empty()) continue;
      if (!lenient) return Status::invalid(at, error);
      f.dependencies_unsatisfiable = true;
    }
  }
  return {};
}

}  // namespace
}  // namespace detail

Result<std::shared_ptr<const FlagSet>> FlagSet::compile(const boost::json::value& doc, const Clock& clock) {
  return compile(doc, clock, CompileOptions{});
}

Result<std::shared_ptr<const FlagSet>> FlagSet::compile(const boost::json::value& doc, const Clock& clock,
                                                        const CompileOptions& options) {
  using namespace detail;
  const bool lenient = options.lenient;
  const bj::object* root = nullptr;
  SB_TRY(as_object(doc, "", root));
  auto set = std::make_unique<Impl>();
  set->clock = &clock;
  SegmentIndex segment_index;
  SB_TRY(compile_segments(*root, lenient, *set, segment_index));
  const bj::array* features = nullptr;
  SB_TRY(array_member(*root, "features", "", features));
  if (!features) return Status::invalid("/features", "required");
  std::vector<FeatureDraft> drafts;
  std::vector<uint32_t> ptr_index;  // draft -> its index in /features (a lenient duplicate replaces)
  drafts.reserve(features->size());
  for (size_t i = 0; i < features->size(); ++i) {
    FeatureDraft draft;
    std::string ptr = child("/features", i);
    SB_TRY(compile_feature((*features)[i], ptr, lenient, &segment_index, draft));
    auto [it, fresh] = set->by_name.emplace(draft.flag.name, static_cast<uint32_t>(drafts.size()));
    if (fresh) {
      drafts.push_back(std::move(draft));
      ptr_index.push_back(static_cast<uint32_t>(i));
    } else if (lenient) {
      drafts[it->second] = std::move(draft);  // the SDKs keep the last
      ptr_index[it->second] = static_cast<uint32_t>(i);
    } else {
      return Status::invalid(child(ptr, "name"), "duplicate flag name '" + draft.flag.name + "'");
    }
  }
  SB_TRY(resolve_dependencies(drafts, ptr_index, lenient, *set));
  for (FeatureDraft& d : drafts) {
    set->names.push_back(d.flag.name);
    set->flags.push_back(std::move(d.flag));
  }
  return std::shared_ptr<const FlagSet>(new FlagSet(std::move(set)));
}

Status check_feature(const boost::json::value& feature) {
  detail::FeatureDraft draft;
  return detail::compile_feature(feature, "", /*lenient=*/false, nullptr, draft);
}

}  // namespace sb::flags
