// Event — a CloudEvents 1.0 envelope (structured JSON mode) plus our
// extensions: `sequence` (log position, assigned on append), `correlationid`
// and `causationid`. `data` is kept as serialized JSON text so events pass
// through the log without re-encoding; binary data stays the base64 text
// it arrived as (`data_base64`).
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"

namespace sb::events {

struct Event {
  std::string id;
  std::string source;
  std::string type;
  std::string subject;          // optional
  int64_t time_ms = 0;          // 0 = set to now on append
  std::string datacontenttype;  // optional; "application/json" when data is JSON
  std::string data_json;        // serialized JSON value, empty = no data
  std::optional<std::string> data_base64;  // binary data as base64, instead of data_json
  // dataschema, correlationid, causationid, …: a JSON string, a boolean or a
  // 32-bit integer (the JSON forms of the CloudEvents types), served back as given.
  std::map<std::string, boost::json::value> extensions;
  int64_t sequence = 0;         // 0 until appended
};

// Validates a structured-mode CloudEvent against CloudEvents 1.0 and its
// JSON format. Errors name the field with `path_prefix` ("/0/type" for the
// first event of a batch).
Result<Event> parse_event(const boost::json::value& v, const std::string& path_prefix = "");

// Envelope without `sequence` (what the log stores).
std::string envelope_json(const Event& e);
// Envelope with `sequence` first; `stored` is what envelope_json produced.
std::string with_sequence(int64_t sequence, const std::string& stored);
Result<Event> parse_stored(int64_t sequence, const std::string& stored);

// Type patterns for subscriptions and queries: exact ("user.registered"),
// prefix ("user.*") or everything ("*").
Status validate_pattern(const std::string& pattern, const std::string& field);
bool matches(const std::string& pattern, const std::string& type);

}  // namespace sb::events
