#include "providers/outbox.h"

#include <boost/json/serialize.hpp>
#include <filesystem>
#include <fstream>
#include <mutex>

namespace sb::providers {

Status append_outbox_line(const ProviderEnv& env, const std::string& file, const boost::json::object& line) {
  namespace fs = std::filesystem;
  fs::path dir = fs::path(env.outbox_dir());
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::unavailable("console: cannot create " + dir.string() + ": " + ec.message());
  static std::mutex file_mu;  // one writer at a time
  std::lock_guard lock(file_mu);
  std::ofstream out(dir / file, std::ios::app | std::ios::binary);
  out << boost::json::serialize(line) << '\n';
  if (!out) return Status::unavailable("console: cannot append to " + (dir / file).string());
  return {};
}

}  // namespace sb::providers
