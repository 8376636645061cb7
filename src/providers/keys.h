// Short constructors for the config::KeySpec declarations providers and
// channels make, so each provider file lists its settings in a few readable
// lines. Pure; thread-safe.
#pragma once

#include <boost/json/value.hpp>
#include <string>

#include "config/config.h"
#include "providers/http_client.h"

namespace sb::providers::keys {

inline config::KeySpec string(std::string key, std::string def, std::string description,
                              bool secret = false) {
  config::KeySpec k;
  k.key = std::move(key);
  k.type = config::Type::kString;
  k.default_value = boost::json::value(def);
  k.description = std::move(description);
  k.secret = secret;
  return k;
}

inline config::KeySpec secret(std::string key, std::string description) {
  return string(std::move(key), "", std::move(description), true);
}

inline config::KeySpec url(std::string key, std::string def, std::string description) {
  config::KeySpec k = string(std::move(key), std::move(def), std::move(description));
  k.validate = [](const boost::json::value& v) -> std::optional<std::string> {
    return check_http_url(v.as_string());
  };
  return k;
}

inline config::KeySpec integer(std::string key, int64_t def, std::string description,
                               int64_t min, int64_t max) {
  config::KeySpec k;
  k.key = std::move(key);
  k.type = config::Type::kInt;
  k.default_value = def;
  k.description = std::move(description);
  k.validate = [min, max](const boost::json::value& v) -> std::optional<std::string> {
    int64_t n = v.is_int64() ? v.get_int64() : static_cast<int64_t>(v.to_number<double>());
    if (n < min || n > max)
      return "must be between " + std::to_string(min) + " and " + std::to_string(max);
    return std::nullopt;
  };
  return k;
}

inline config::KeySpec number(std::string key, double def, std::string description, double min,
                              double max) {
  config::KeySpec k;
  k.key = std::move(key);
  k.type = config::Type::kDouble;
  k.default_value = def;
  k.description = std::move(description);
  k.validate = [min, max](const boost::json::value& v) -> std::optional<std::string> {
    double n = v.to_number<double>();
    if (n < min || n > max)
      return "must be between " + std::to_string(min) + " and " + std::to_string(max);
    return std::nullopt;
  };
  return k;
}

inline config::KeySpec boolean(std::string key, bool def, std::string description) {
  config::KeySpec k;
  k.key = std::move(key);
  k.type = config::Type::kBool;
  k.default_value = def;
  k.description = std::move(description);
  return k;
}

}  // namespace sb::providers::keys
