#include "notify/render.h"

#include <boost/json/serialize.hpp>
#include <kainjow/mustache.hpp>

namespace sb::notify {

namespace {
namespace mu = kainjow::mustache;

mu::data to_data(const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::object: {
      mu::data d{mu::data::type::object};
      for (auto& kv : v.get_object()) d.set(std::string(kv.key()), to_data(kv.value()));
      return d;
    }
    case boost::json::kind::array: {
      mu::data d{mu::data::type::list};
      for (auto& x : v.get_array()) d.push_back(to_data(x));
      return d;
    }
    case boost::json::kind::string: return mu::data{std::string(v.get_string())};
    case boost::json::kind::bool_: return mu::data{v.get_bool()};
    case boost::json::kind::int64: return mu::data{std::to_string(v.get_int64())};
    case boost::json::kind::uint64: return mu::data{std::to_string(v.get_uint64())};
    case boost::json::kind::double_: return mu::data{boost::json::serialize(v)};
    case boost::json::kind::null: return mu::data{false};
  }
  return mu::data{false};
}
}  // namespace

Result<std::string> render(std::string_view tmpl, const boost::json::value& data, Escape escape,
                           const std::string& field) {
  mu::mustache m{std::string(tmpl)};
  if (!m.is_valid()) return Status::invalid(field, "template does not parse: " + m.error_message());
  if (escape == Escape::kNone) m.set_custom_escape([](const std::string& s) { return s; });
  std::string out;
  try {
    out = m.render(to_data(data));
  } catch (const std::exception& e) {
    return Status::invalid(field, std::string("template does not render: ") + e.what());
  }
  if (!m.is_valid()) return Status::invalid(field, "template does not render: " + m.error_message());
  return out;
}

}  // namespace sb::notify
