#include "app/cli_output.h"

#include <algorithm>
#include <cstdio>

namespace sb::app {

int fail(const Status& s) {
  std::fprintf(stderr, "error: %s\n", s.message().c_str());
  for (auto& f : s.fields())
    if (s.fields().size() > 1) std::fprintf(stderr, "  %s: %s\n", f.field.c_str(), f.message.c_str());
  return s.code() == Code::kInvalidArgument ? 2 : 1;
}

void print_table(const std::vector<Row>& rows) {
  std::vector<size_t> width;
  for (auto& r : rows)
    for (size_t i = 0; i < r.size(); ++i) {
      if (width.size() <= i) width.push_back(0);
      width[i] = std::max(width[i], r[i].size());
    }
  for (auto& r : rows) {
    std::string line;
    for (size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) line += std::string(width[i] - r[i].size() + 2, ' ');
    }
    std::printf("%s\n", line.c_str());
  }
}

}  // namespace sb::app
