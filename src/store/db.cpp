#include "store/db.h"

#include <charconv>
#include <future>

#include "store/postgres/pg_db.h"
#include "store/sqlite/sqlite_db.h"

namespace sb::store {

int64_t Row::int_at(size_t i) const {
  const Value& v = cols_.at(i);
  if (auto p = std::get_if<int64_t>(&v)) return *p;
  if (auto p = std::get_if<double>(&v)) return static_cast<int64_t>(*p);
  if (auto p = std::get_if<std::string>(&v)) {
    int64_t out = 0;
    std::from_chars(p->data(), p->data() + p->size(), out);
    return out;
  }
  return 0;
}

double Row::real_at(size_t i) const {
  const Value& v = cols_.at(i);
  if (auto p = std::get_if<double>(&v)) return *p;
  if (auto p = std::get_if<int64_t>(&v)) return static_cast<double>(*p);
  if (auto p = std::get_if<std::string>(&v)) return std::strtod(p->c_str(), nullptr);
  return 0;
}

std::string Row::text_at(size_t i) const {
  const Value& v = cols_.at(i);
  if (auto p = std::get_if<std::string>(&v)) return *p;
  if (auto p = std::get_if<int64_t>(&v)) return std::to_string(*p);
  if (auto p = std::get_if<double>(&v)) return std::to_string(*p);
  return {};
}

Status Db::write(TxFn fn) {
  std::promise<Status> p;
  auto f = p.get_future();
  write_async(std::move(fn), [&p](Status s) { p.set_value(std::move(s)); });
  return f.get();
}

Result<std::unique_ptr<Db>> open(std::string_view url, const Options& options) {
  if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0)
    return open_postgres(std::string(url), options);
  std::string_view path = url;
  if (path.rfind("sqlite:", 0) == 0) {
    path.remove_prefix(7);
    if (path.rfind("//", 0) == 0) path.remove_prefix(2);
  } else if (path.find("://") != std::string_view::npos) {
    return Status::invalid("database", "unsupported database URL scheme (use sqlite:PATH or postgresql://…)");
  }
  if (path.empty()) return Status::invalid("database", "sqlite path is empty");
  return open_sqlite(std::string(path), options);
}

}  // namespace sb::store
