#include "postgres_server.h"

#include <fcntl.h>
#include <pwd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace sb::test {
namespace {

constexpr const char* kBinDir = "/usr/lib/postgresql/15/bin";
constexpr int kStartAttempts = 3;  // another process may grab free_port()'s port first

std::string bin(const char* tool) { return std::string(kBinDir) + "/" + tool; }

// PostgreSQL refuses to run as root; tests do, so the server runs as the
// Debian package's system user.
bool as_root() { return geteuid() == 0; }

std::string runuser_path() {
  for (const char* p : {"/usr/sbin/runuser", "/sbin/runuser"})
    if (access(p, X_OK) == 0) return p;
  return "runuser";
}

std::vector<std::string> as_server_user(std::vector<std::string> args) {
  if (!as_root()) return args;
  std::vector<std::string> out = {runuser_path(), "-u", "postgres", "--"};
  out.insert(out.end(), args.begin(), args.end());
  return out;
}

std::string quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string shell_command(const std::vector<std::string>& args) {
  std::string out;
  for (const auto& a : args) {
    if (!out.empty()) out += ' ';
    out += quoted(a);
  }
  return out;
}

std::string tail_of(const std::string& path, size_t max = 3000) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  return s.size() > max ? "…" + s.substr(s.size() - max) : s;
}

// Child side of a fork: only async-signal-safe calls until exec. Our own
// descriptors (sockets, pipes, the watchdog's pipe) must not leak into a
// long-lived postmaster, or a pipe reader waiting for EOF would never see it.
[[noreturn]] void exec_child(char* const* argv, int in_fd, const char* out_path, const char* cwd) {
  if (in_fd < 0) in_fd = open("/dev/null", O_RDONLY);
  if (in_fd != 0) dup2(in_fd, 0);
  fcntl(0, F_SETFD, 0);
  int out = open(out_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (out < 0) out = open("/dev/null", O_WRONLY);
  dup2(out, 1);
  dup2(out, 2);
  close_range(3, ~0U, 0);
  if (cwd && chdir(cwd) != 0) _exit(126);
  execv(argv[0], argv);
  _exit(127);
}

std::vector<char*> c_argv(std::vector<std::string>& args) {
  std::vector<char*> out;
  for (auto& a : args) out.push_back(a.data());
  out.push_back(nullptr);
  return out;
}

// Runs a command to completion with output appended to `log`; exit code or -1.
int run(std::vector<std::string> args, const std::string& log, const std::string& cwd) {
  std::vector<char*> argv = c_argv(args);
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) exec_child(argv.data(), -1, log.c_str(), cwd.c_str());
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

PostgresServer::~PostgresServer() { stop(); }

std::string PostgresServer::url(const std::string& database) const {
  return "postgresql://" + user_ + "@127.0.0.1:" + std::to_string(port_) + "/" + database;
}

bool PostgresServer::fail(const std::string& what) {
  error_ = what;
  stop();
  return false;
}

bool PostgresServer::start() {
  if (running()) return true;
  error_.clear();
  try {
    dir_ = std::make_unique<TempDir>();
  } catch (const std::exception& e) {
    return fail(std::string("postgres test server: ") + e.what());
  }
  const std::string dir = dir_->path(), data = dir_->file("data");
  if (access(bin("initdb").c_str(), X_OK) != 0)
    return fail("postgres test server: " + bin("initdb") +
                " not found (run scripts/install-deps.sh to install postgresql-15)");
  if (as_root()) {
    passwd* pw = getpwnam("postgres");
    if (!pw) return fail("postgres test server: running as root but there is no `postgres` user");
    if (chown(dir.c_str(), pw->pw_uid, pw->pw_gid) != 0)
      return fail("postgres test server: chown " + dir + " failed");
  }

  // --no-sync only skips flushing initdb's own files: the directory is
  // thrown away with the process. The server keeps default fsync settings.
  const std::string initdb_log = dir_->file("initdb.log");
  int rc = run(as_server_user({bin("initdb"), "-D", data, "-A", "trust", "-U", user_, "-E", "UTF8",
                               "--no-locale", "--no-sync", "--no-instructions"}),
               initdb_log, dir);
  if (rc != 0) return fail("postgres test server: initdb failed:\n" + tail_of(initdb_log));

  // The watchdog waits for EOF on a pipe only this process holds: it comes
  // when stop() closes it or when the process dies, however it dies.
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return fail("postgres test server: pipe failed");
  std::vector<std::string> script = {
      "/bin/sh", "-c",
      "cat >/dev/null; " +
          shell_command(as_server_user({bin("pg_ctl"), "stop", "-D", data, "-m", "immediate", "-w"})) +
          " >/dev/null 2>&1; rm -rf " + quoted(dir)};
  std::vector<char*> argv = c_argv(script);
  pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return fail("postgres test server: fork failed");
  }
  if (pid == 0) {
    setsid();  // outlive a kill of our process group (ctest timeouts, ^C)
    exec_child(argv.data(), fds[0], "/dev/null", "/");
  }
  close(fds[0]);
  watchdog_ = pid;
  watchdog_fd_ = fds[1];

  const std::string server_log = dir_->file("server.log"), ctl_log = dir_->file("pg_ctl.log");
  for (int attempt = 0; attempt < kStartAttempts; ++attempt) {
    int port = free_port();
    std::string opts = "-c listen_addresses=127.0.0.1 -p " + std::to_string(port) +
                       " -c unix_socket_directories=" + dir + " -c max_connections=100";
    rc = run(as_server_user({bin("pg_ctl"), "start", "-D", data, "-l", server_log, "-w", "-t", "60",
                             "-s", "-o", opts}),
             ctl_log, dir);
    if (rc == 0) {
      port_ = port;
      return true;
    }
    // A half-started postmaster must not hold the data directory.
    run(as_server_user({bin("pg_ctl"), "stop", "-D", data, "-m", "immediate", "-w", "-s"}), ctl_log,
        dir);
    if (tail_of(server_log).find("could not bind") == std::string::npos) break;
  }
  return fail("postgres test server: pg_ctl start failed:\n" + tail_of(ctl_log) + "\n" +
              tail_of(server_log));
}

void PostgresServer::stop() {
  port_ = 0;
  if (watchdog_ > 0) {
    // Closing the pipe is the watchdog's cue: pg_ctl stop -m immediate -w,
    // then remove the directory.
    close(watchdog_fd_);
    int status = 0;
    while (waitpid(watchdog_, &status, 0) < 0 && errno == EINTR) {}
    watchdog_ = -1;
    watchdog_fd_ = -1;
  }
  dir_.reset();
}

}  // namespace sb::test
