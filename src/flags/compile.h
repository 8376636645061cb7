// Building the model (model.h) from client-API JSON, internal to src/flags.
// Every error is InvalidArgument naming the JSON pointer of the offending
// field, built from the `ptr` each function is handed.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/result.h"
#include "flags/model.h"

namespace sb::flags::detail {

namespace bj = boost::json;

inline std::string child(const std::string& ptr, std::string_view key) { return ptr + "/" + std::string(key); }
inline std::string child(const std::string& ptr, size_t index) { return ptr + "/" + std::to_string(index); }

// The member, or nullptr when absent or JSON null (the SDKs treat both alike).
const bj::value* member(const bj::object& o, std::string_view key);
Status as_object(const bj::value& v, const std::string& ptr, const bj::object*& out);
// An array member; absent or null gives nullptr with no error.
Status array_member(const bj::object& o, std::string_view key, const std::string& ptr, const bj::array*& out);
Status string_member(const bj::object& o, std::string_view key, const std::string& ptr, std::string& out,
                     bool required);
Status bool_member(const bj::object& o, std::string_view key, const std::string& ptr, bool& out);
// A scalar as text: a string as is, a number or bool as JSON writes it
// (strategy parameters and constraint values are strings, some writers send numbers).
std::optional<std::string> scalar_text(const bj::value& v);
// "a, b ,c" -> {"a","b","c"}: the SDKs split lists on /\s*,\s*/.
std::vector<std::string> split_list(std::string_view text);
std::string_view trim(std::string_view s);

Status compile_constraints(const bj::array* constraints, const std::string& ptr, bool lenient,
                           std::vector<Constraint>& out);

// `group_id` seeds the hash; `fallback_stickiness` applies when the first
// variant names none (a strategy's own stickiness parameter).
Status compile_variants(const bj::array* variants, const std::string& ptr, bool lenient, std::string_view group_id,
                        std::string_view fallback_stickiness, VariantGroup& out);
Stickiness stickiness_of(std::string_view name);

// A flag before set-level resolution: parent names stay names until every
// flag is known.
struct FeatureDraft {
  Flag flag;
  std::vector<std::string> parents;  // dependencies[i].feature
};

// `segment_index` maps segment ids to SetData::segments; nullptr skips the
// lookup (check_feature sees one flag without its document).
Status compile_feature(const bj::value& v, const std::string& ptr, bool lenient,
                       const std::unordered_map<int64_t, uint32_t>* segment_index, FeatureDraft& out);

}  // namespace sb::flags::detail
