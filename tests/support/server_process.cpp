#include "server_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

extern char** environ;

namespace sb::test {

namespace {
pid_t spawn(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
            const std::string& out_path) {
  // Everything the child needs is built before fork: only async-signal-safe
  // calls between fork and exec (the test process has threads).
  std::map<std::string, std::string> merged;
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    size_t eq = kv.find('=');
    if (eq != std::string::npos) merged[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  for (auto& [k, v] : env) merged[k] = v;
  std::vector<std::string> env_strings;
  for (auto& [k, v] : merged) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid != 0) return pid;
  // A crashed test must not leave servers behind.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(127);
  int fd = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  dup2(fd, 1);
  dup2(fd, 2);
  execve(argv[0], argv.data(), envp.data());
  _exit(127);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
}  // namespace

ServerProcess::ServerProcess(std::map<std::string, std::string> env, std::vector<std::string> args,
                             std::string data_dir)
    : env_(std::move(env)), args_(std::move(args)), data_dir_(std::move(data_dir)) {
  if (data_dir_.empty()) data_dir_ = dir_.file("data");
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) kill9();
}

bool ServerProcess::start() {
  // Port 0: the server picks a free port and prints it, so two tests can
  // never race for the same one.
  std::vector<std::string> argv = {SB_BINARY, "serve", "--listen", "127.0.0.1:0", "--data-dir", data_dir_};
  argv.insert(argv.end(), args_.begin(), args_.end());
  auto env = env_;
  env.emplace("SWITCHBOARD_LOG__LEVEL", "warn");
  pid_ = spawn(argv, env, dir_.file("out.log"));
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
    int status;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling a child's output, not timing a test
  }
  return false;
}

std::string ServerProcess::output() const { return read_file(dir_.file("out.log")); }

bool ServerProcess::running() {
  if (pid_ <= 0) return false;
  int status;
  if (waitpid(pid_, &status, WNOHANG) == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

int ServerProcess::stop_graceful(int timeout_ms) {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    int status;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill9();
  return -1;
}

void ServerProcess::kill9() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  int status;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

int run_cli(const std::vector<std::string>& args, std::string& out,
            const std::map<std::string, std::string>& env) {
  TempDir dir;
  std::vector<std::string> argv = {SB_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  auto e = env;
  e.emplace("SWITCHBOARD_LOG__LEVEL", "warn");
  pid_t pid = spawn(argv, e, dir.file("out.log"));
  int status;
  waitpid(pid, &status, 0);
  out = read_file(dir.file("out.log"));
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace sb::test
