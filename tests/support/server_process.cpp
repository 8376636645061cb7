#include "server_process.h"

#include <chrono>
#include <regex>
#include <thread>

namespace sb::test {

ServerProcess::ServerProcess(std::map<std::string, std::string> env, std::vector<std::string> args,
                             std::string data_dir)
    : env_(std::move(env)), args_(std::move(args)), data_dir_(std::move(data_dir)) {
  if (data_dir_.empty()) data_dir_ = dir_.file("data");
}

ServerProcess::~ServerProcess() = default;  // the child is killed with it

bool ServerProcess::start() {
  // Port 0: the server picks a free port and prints it, so two tests can
  // never race for the same one.
  std::vector<std::string> argv = {SB_BINARY, "serve", "--listen", "127.0.0.1:0", "--data-dir", data_dir_};
  argv.insert(argv.end(), args_.begin(), args_.end());
  auto env = env_;
  env.emplace("SWITCHBOARD_LOG__LEVEL", "warn");
  child_ = std::make_unique<ChildProcess>(argv, env, dir_.file("out.log"));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    std::string out = output();
    if (out.find("switchboard listening on") != std::string::npos) {
      std::smatch m;
      static const std::regex port_re("listening on http://127\\.0\\.0\\.1:([0-9]+)");
      if (std::regex_search(out, m, port_re)) port_ = std::stoi(m[1]);
      static const std::regex key_re("(sbk_[A-Za-z0-9_-]+)");
      if (std::regex_search(out, m, key_re)) admin_key_ = m[1];
      if (auto it = env_.find("SWITCHBOARD_ADMIN_KEY"); it != env_.end()) admin_key_ = it->second;
      return true;
    }
    if (!child_->running()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling a child's output, not timing a test
  }
  return false;
}

std::string ServerProcess::output() const { return read_file(dir_.file("out.log")); }

bool ServerProcess::running() { return child_ && child_->running(); }

int ServerProcess::stop_graceful(int timeout_ms) { return child_ ? child_->terminate(timeout_ms) : -1; }

void ServerProcess::kill9() {
  if (child_) child_->kill_and_wait();
}

int run_cli(const std::vector<std::string>& args, std::string& out,
            const std::map<std::string, std::string>& env) {
  TempDir dir;
  std::vector<std::string> argv = {SB_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  auto e = env;
  e.emplace("SWITCHBOARD_LOG__LEVEL", "warn");
  int rc = ChildProcess(argv, e, dir.file("out.log")).wait();
  out = read_file(dir.file("out.log"));
  return rc;
}

}  // namespace sb::test
