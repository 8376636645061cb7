// The shape notify.rules, notify.caps and notify.digests share: a JSON array
// of objects, each read into one T, every bad field named by its JSON
// pointer ("/1/max") so a config change is refused with all of them at once.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "core/result.h"

namespace sb::notify {

// `entry(object, at, earlier, errs)` reads one element: `at` is its pointer
// prefix ("/1/"), `earlier` the entries read so far. Null is an empty list.
template <typename T, typename Entry>
Result<std::vector<T>> parse_config_list(const boost::json::value& v, const char* key, const char* what,
                                         Entry entry) {
  if (v.is_null()) return std::vector<T>{};
  if (!v.is_array()) return Status::invalid(key, std::string("must be an array of ") + what);
  std::vector<T> out;
  std::vector<FieldError> errs;
  const auto& arr = v.get_array();
  for (size_t i = 0; i < arr.size(); ++i) {
    if (!arr[i].is_object()) {
      errs.push_back({"/" + std::to_string(i), "must be an object"});
      continue;
    }
    out.push_back(entry(arr[i].get_object(), "/" + std::to_string(i) + "/", out, errs));
  }
  if (!errs.empty()) return Status::invalid(std::move(errs));
  return out;
}

}  // namespace sb::notify
