#include "http/router.h"

#include <algorithm>

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
  c.tail = !segs.empty() && segs.back() == "*";
  if (c.tail) segs.pop_back();
  for (auto seg : segs) {
    c.segments.emplace_back(seg);
    c.is_param.push_back(seg.size() > 2 && seg.front() == '{' && seg.back() == '}');
  }
  if (c.tail) {
    tails_.push_back(compiled_.size());
  } else {
    if (by_length_.size() <= segs.size()) by_length_.resize(segs.size() + 1);
    by_length_[segs.size()].push_back(compiled_.size());
  }
  compiled_.push_back(std::move(c));
  std::stable_sort(tails_.begin(), tails_.end(),
                   [this](size_t a, size_t b) { return compiled_[a].segments.size() > compiled_[b].segments.size(); });
  routes_.push_back(std::move(route));
}

Match Router::match(const std::string& method, const std::string& path,
                    std::map<std::string, std::string>& params) const {
  Match m;
  thread_local std::vector<std::string_view> segs;
  split(path, segs);
  // Segments [0, n) of `c` against the request's.
  auto prefix_matches = [&](const Compiled& c) {
    for (size_t i = 0; i < c.segments.size(); ++i)
      if (!c.is_param[i] && c.segments[i] != segs[i]) return false;
    return true;
  };
  auto bind = [&](const Compiled& c) {
    m.route = &c.route;
    params.clear();
    for (size_t i = 0; i < c.segments.size(); ++i)
      if (c.is_param[i]) params[c.segments[i].substr(1, c.segments[i].size() - 2)] = percent_decode(segs[i], false);
    if (c.tail) {
      std::string rest;
      for (size_t i = c.segments.size(); i < segs.size(); ++i) {
        if (!rest.empty()) rest += '/';
        rest += percent_decode(segs[i], false);
      }
      params["*"] = std::move(rest);
    }
  };
  static const std::vector<size_t> kNone;
  const std::vector<size_t>& candidates = segs.size() < by_length_.size() ? by_length_[segs.size()] : kNone;
  for (size_t idx : candidates) {
    const Compiled& c = compiled_[idx];
    if (!prefix_matches(c)) continue;
    m.path_exists = true;
    if (!method_matches(c.route.method, method)) continue;
    bind(c);
    return m;
  }
  if (!m.path_exists) {
    for (size_t idx : tails_) {
      const Compiled& c = compiled_[idx];
      if (segs.size() < c.segments.size() || !prefix_matches(c)) continue;
      m.path_exists = true;
      if (!method_matches(c.route.method, method)) continue;
      bind(c);
      return m;
    }
  }
  // 405: list every method the path has (rare, so a second pass).
  if (m.path_exists) {
    auto add_allow = [&](const Compiled& c) {
      if (!m.allow.empty()) m.allow += ", ";
      m.allow += c.route.method;
    };
    bool exact = false;
    for (size_t idx : candidates)
      if (prefix_matches(compiled_[idx])) exact = true, add_allow(compiled_[idx]);
    if (!exact)
      for (size_t idx : tails_)
        if (segs.size() >= compiled_[idx].segments.size() && prefix_matches(compiled_[idx])) add_allow(compiled_[idx]);
  }
  return m;
}

}  // namespace sb::http
