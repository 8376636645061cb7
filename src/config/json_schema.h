// JsonSchema — the subset of JSON Schema (draft 7 / 2020-12 semantics) that
// applications use to guard their own `app.*` configuration values:
//
//   type (name or list; "integer" accepts 1.0), enum, const,
//   properties, required, additionalProperties (boolean or schema),
//   items (one schema for every element), minItems, maxItems,
//   minimum, maximum, exclusiveMinimum, exclusiveMaximum (numbers),
//   minLength, maxLength (Unicode code points),
//   true / false as schemas; annotations (title, description, default,
//   examples, $schema, $id, $comment, readOnly, writeOnly, deprecated) are
//   accepted and ignored.
//
// Any other keyword (pattern, $ref, oneOf, format, …) is refused when the
// schema is compiled, naming it: a validator that silently skipped a keyword
// would accept values the schema's author meant to refuse. Why a validator of
// our own rather than a library: docs/architecture.md.
//
// Compiled once when the schema is stored; immutable afterwards and
// thread-safe. Recursion is bounded by the JSON depth limit (core/json.h).
#pragma once

#include <boost/json/value.hpp>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace sb::config {

class JsonSchema {
 public:
  static constexpr size_t kMaxErrors = 20;

  // InvalidArgument with one FieldError per problem, each naming the JSON
  // pointer of the offending part under `base` ("/schema/properties/max/type").
  static Result<JsonSchema> compile(const boost::json::value& schema, std::string_view base = "/schema");

  // The violations of `value`, each naming the JSON pointer of the failing
  // value under `base` ("/value/limits/0/max"); empty when valid. At most
  // kMaxErrors.
  std::vector<FieldError> validate(const boost::json::value& value, std::string_view base = "/value") const;

  const boost::json::value& source() const { return *source_; }

  struct Node;

 private:
  JsonSchema(std::shared_ptr<const Node> root, std::shared_ptr<const boost::json::value> source)
      : root_(std::move(root)), source_(std::move(source)) {}
  std::shared_ptr<const Node> root_;
  std::shared_ptr<const boost::json::value> source_;
};

// JSON equality as JSON Schema defines it: numbers compare by value (1 == 1.0),
// objects regardless of member order. Exposed for tests.
bool json_equal(const boost::json::value& a, const boost::json::value& b);

// "/a~1b/0" from "a/b", 0: RFC 6901 escaping of one reference token.
std::string pointer_token(std::string_view key);

}  // namespace sb::config
