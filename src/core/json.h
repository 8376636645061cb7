// JSON on request paths: Boost.JSON (DOM + serialisation, RapidJSON-class
// speed; nlohmann::json was 4x slower here). Helpers here turn parse and type
// errors into Status values that name the offending field.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <string_view>

#include "core/result.h"

namespace sb::json {

namespace bj = boost::json;

constexpr size_t kMaxDepth = 64;

// Parses `text`; malformed JSON or nesting deeper than max_depth is an
// InvalidArgument naming field "body", a number beyond a double's range
// (1e400) one naming its JSON pointer ("/data/x"): such a number would be
// served back as a non-JSON infinity.
// `sp` places the value's memory (e.g. a monotonic_resource over a stack
// buffer for a value that dies with the request); default: the heap.
Result<bj::value> parse(std::string_view text, size_t max_depth = kMaxDepth, bj::storage_ptr sp = {});

// Field accessors: return InvalidArgument naming `path` when the type is wrong.
// Missing fields give std::nullopt-like defaults through the out-params.
Status get_string(const bj::object& o, std::string_view key, std::string& out, bool required,
                  std::string_view path_prefix = "");
Status get_int(const bj::object& o, std::string_view key, int64_t& out, bool required,
               std::string_view path_prefix = "");
Status get_bool(const bj::object& o, std::string_view key, bool& out, bool required,
                std::string_view path_prefix = "");

std::string serialize(const bj::value& v);

// Appends `s` as a JSON string literal (quotes included), escaping what
// RFC 8259 requires. For hot paths that build JSON text directly.
void append_quoted(std::string& out, std::string_view s);

}  // namespace sb::json
