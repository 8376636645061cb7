#include "http/router.h"

namespace sb::http {
namespace {
std::vector<std::string_view> split(std::string_view path) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    out.push_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}
}  // namespace

void Router::add(Route route) {
  Compiled c{route, {}};
  for (auto seg : split(route.pattern)) c.segments.emplace_back(seg);
  compiled_.push_back(std::move(c));
  routes_.push_back(std::move(route));
}

Match Router::match(const std::string& method, const std::string& path,
                    std::map<std::string, std::string>& params) const {
  Match m;
  auto segs = split(path);
  for (const Compiled& c : compiled_) {
    if (c.segments.size() != segs.size()) continue;
    bool ok = true;
    for (size_t i = 0; i < segs.size() && ok; ++i) {
      const std::string& want = c.segments[i];
      if (want.size() > 2 && want.front() == '{') continue;
      ok = want == segs[i];
    }
    if (!ok) continue;
    m.path_exists = true;
    if (!m.allow.empty()) m.allow += ", ";
    m.allow += c.route.method;
    bool method_ok = c.route.method == method || (method == "HEAD" && c.route.method == "GET");
    if (method_ok && !m.route) {
      m.route = &c.route;
      params.clear();
      for (size_t i = 0; i < segs.size(); ++i) {
        const std::string& want = c.segments[i];
        if (want.size() > 2 && want.front() == '{')
          params[want.substr(1, want.size() - 2)] = percent_decode(segs[i], false);
      }
    }
  }
  return m;
}

}  // namespace sb::http
