#include "http/router.h"

namespace sb::http {
namespace {
// Path segments as views into `path` ("/a//b/" -> "a", "b"); reuses `out`.
void split(std::string_view path, std::vector<std::string_view>& out) {
  out.clear();
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
}

bool method_matches(const std::string& route_method, const std::string& method) {
  return route_method == method || (method == "HEAD" && route_method == "GET");
}
}  // namespace

void Router::add(Route route) {
  Compiled c{route, {}, {}};
  std::vector<std::string_view> segs;
  split(route.pattern, segs);
  for (auto seg : segs) {
    c.segments.emplace_back(seg);
    c.is_param.push_back(seg.size() > 2 && seg.front() == '{' && seg.back() == '}');
  }
  if (by_length_.size() <= segs.size()) by_length_.resize(segs.size() + 1);
  by_length_[segs.size()].push_back(compiled_.size());
  compiled_.push_back(std::move(c));
  routes_.push_back(std::move(route));
}

Match Router::match(const std::string& method, const std::string& path,
                    std::map<std::string, std::string>& params) const {
  Match m;
  thread_local std::vector<std::string_view> segs;
  split(path, segs);
  if (segs.size() >= by_length_.size()) return m;
  auto path_matches = [&](const Compiled& c) {
    for (size_t i = 0; i < segs.size(); ++i)
      if (!c.is_param[i] && c.segments[i] != segs[i]) return false;
    return true;
  };
  const std::vector<size_t>& candidates = by_length_[segs.size()];
  for (size_t idx : candidates) {
    const Compiled& c = compiled_[idx];
    if (!path_matches(c)) continue;
    m.path_exists = true;
    if (!method_matches(c.route.method, method)) continue;
    m.route = &c.route;
    params.clear();
    for (size_t i = 0; i < segs.size(); ++i)
      if (c.is_param[i]) params[c.segments[i].substr(1, c.segments[i].size() - 2)] = percent_decode(segs[i], false);
    return m;
  }
  // 405: list every method the path has (rare, so a second pass).
  if (m.path_exists)
    for (size_t idx : candidates)
      if (path_matches(compiled_[idx])) {
        if (!m.allow.empty()) m.allow += ", ";
        m.allow += compiled_[idx].route.method;
      }
  return m;
}

}  // namespace sb::http
