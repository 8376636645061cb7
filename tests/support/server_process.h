// Starts the built `switchboard` binary as a user would (e2e tests): a free
// loopback port, a temp data dir, output captured to a file. Waits until it
// prints where it listens; exposes the bootstrap admin key it printed.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "child_process.h"
#include "temp_dir.h"

namespace sb::test {

class ServerProcess {
 public:
  // `env` adds to the inherited environment; `args` are extra serve flags.
  explicit ServerProcess(std::map<std::string, std::string> env = {}, std::vector<std::string> args = {},
                         std::string data_dir = "");
  ~ServerProcess();

  // Starts and waits up to 20 s for the "listening" line. Returns false on failure.
  bool start();
  // SIGTERM and wait; returns the exit status (or -1).
  int stop_graceful(int timeout_ms = 15'000);
  void kill9();
  bool running();

  std::string url(const std::string& path = "") const { return "http://127.0.0.1:" + std::to_string(port_) + path; }
  const std::string& admin_key() const { return admin_key_; }
  std::string auth_header() const { return "Authorization: Bearer " + admin_key_; }
  std::string output() const;
  const std::string& data_dir() const { return data_dir_; }
  int port() const { return port_; }

 private:
  std::map<std::string, std::string> env_;
  std::vector<std::string> args_;
  TempDir dir_;
  std::string data_dir_;
  int port_ = 0;
  std::unique_ptr<ChildProcess> child_;
  std::string admin_key_;
};

// Runs the binary with `args` to completion; returns exit code, output in `out`.
int run_cli(const std::vector<std::string>& args, std::string& out,
            const std::map<std::string, std::string>& env = {});

}  // namespace sb::test
