// A program run by a test as a child process: its environment is the test's
// plus `env`, stdout and stderr go to files (one file when `err_path` is
// empty), and it is killed if the test process dies. Only async-signal-safe
// calls run between fork and exec (test processes have threads).
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

namespace sb::test {

class ChildProcess {
 public:
  ChildProcess(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
               const std::string& out_path, const std::string& err_path = "");
  ~ChildProcess();  // kills and reaps it if still running
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // False once it has exited (and been reaped: its pid is never signalled again).
  bool running();
  // Waits for it to exit; its exit code, or 128 + signal.
  int wait();
  // Waits up to `timeout_ms` for it to exit: its exit code, or -1 after a SIGKILL.
  int wait_for(int timeout_ms);
  // SIGTERM, then waits up to `timeout_ms`: its exit code, or -1 after a SIGKILL.
  int terminate(int timeout_ms);
  void kill_and_wait();

 private:
  pid_t pid_ = -1;
};

// The whole of a file the child wrote ("" if it does not exist yet).
std::string read_file(const std::string& path);

}  // namespace sb::test
