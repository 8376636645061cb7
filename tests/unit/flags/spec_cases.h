// Reading Unleash's client-specification files for the conformance test:
// contexts as the SDKs take them and delta-API states folded into the
// client-API document they stand for.
#pragma once

#include <boost/json.hpp>
#include <string>

#include "flags/evaluator.h"

namespace sb::flags::testing {

namespace bj = boost::json;

// {"userId": "1", "properties": {"x": "y"}, "custom": "z"} -> Context. A
// null property is absent; a top-level key that is not a built-in field is
// read as the SDKs do (context[name]), i.e. like a property.
inline Context context_from(const bj::value& v) {
  Context ctx;
  auto text = [](const bj::value& x) -> std::string {
    return x.is_string() ? std::string(x.get_string()) : bj::serialize(x);
  };
  for (const auto& [key, value] : v.as_object()) {
    if (value.is_null()) continue;
    if (key == "properties") {
      for (const auto& [pk, pv] : value.as_object())
        if (!pv.is_null()) ctx.properties.emplace_back(std::string(pk), text(pv));
    } else if (key == "userId") {
      ctx.user_id = text(value);
    } else if (key == "sessionId") {
      ctx.session_id = text(value);
    } else if (key == "remoteAddress") {
      ctx.remote_address = text(value);
    } else if (key == "environment") {
      ctx.environment = text(value);
    } else if (key == "appName") {
      ctx.app_name = text(value);
    } else if (key == "currentTime") {
      ctx.current_time = text(value);
    } else {
      ctx.properties.emplace_back(std::string(key), text(value));
    }
  }
  return ctx;
}

// Delta API ({"events": [hydration | feature-updated | feature-removed |
// segment-updated | segment-removed]}) applied in order, as the SDKs'
// delta repositories do, to a {"features", "segments"} document. Any other
// state is already such a document.
inline bj::value client_document(const bj::value& state) {
  const bj::object& s = state.as_object();
  if (!s.contains("events")) return state;
  bj::array features, segments;
  auto upsert = [](bj::array& list, const bj::value& item, std::string_view key) {
    for (bj::value& existing : list) {
      if (existing.as_object().at(key) == item.as_object().at(key)) {
        existing = item;
        return;
      }
    }
    list.push_back(item);
  };
  auto erase = [](bj::array& list, std::string_view key, const bj::value& id) {
    for (auto it = list.begin(); it != list.end(); ++it) {
      if (it->as_object().at(key) == id) {
        list.erase(it);
        return;
      }
    }
  };
  for (const bj::value& ev : s.at("events").as_array()) {
    const bj::object& e = ev.as_object();
    std::string_view type = e.at("type").as_string();
    if (type == "hydration") {
      features = e.contains("features") ? e.at("features").as_array() : bj::array{};
      segments = e.contains("segments") ? e.at("segments").as_array() : bj::array{};
    } else if (type == "feature-updated") {
      upsert(features, e.at("feature"), "name");
    } else if (type == "feature-removed") {
      erase(features, "name", e.at("featureName"));
    } else if (type == "segment-updated") {
      upsert(segments, e.at("segment"), "id");
    } else if (type == "segment-removed") {
      erase(segments, "id", e.at("segmentId"));
    }
  }
  return bj::object{{"version", 2}, {"features", std::move(features)}, {"segments", std::move(segments)}};
}

}  // namespace sb::flags::testing
