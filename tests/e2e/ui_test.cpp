// The dashboard in a real browser: each test starts the built binary, then
// runs one script of tests/e2e/ui/ (Node, playwright-core driving Debian's
// headless chromium) that seeds data through the public API and checks what a
// person sees at /ui: monitor.mjs the notification monitor, pages.mjs the
// events, config, queues and users pages. The script's output is this test's failure message;
// screenshots go to build/ui-screenshots/.
#include <gtest/gtest.h>

#include <filesystem>

#include "child_process.h"
#include "server_process.h"
#include "temp_dir.h"

namespace sb::test {
namespace {

namespace fs = std::filesystem;

// Runs tests/e2e/ui/<script> against a fresh server; its output is the
// failure message.
void run_browser_script(const std::string& script) {
  const std::string chromium = "/usr/bin/chromium";
  ASSERT_TRUE(fs::exists(chromium)) << "chromium is missing: run scripts/install-deps.sh";
  const std::string ui_dir = std::string(SB_SOURCE_DIR) + "/ui";
  ASSERT_TRUE(fs::exists(ui_dir + "/node_modules/playwright-core")) << "run scripts/install-deps.sh (npm ci in ui/)";

  ServerProcess s({{"SWITCHBOARD_IDENTITY__PASSWORD__ARGON2_OPS", "1"},
                   {"SWITCHBOARD_IDENTITY__PASSWORD__ARGON2_MEM_KIB", "64"},
                   {"SWITCHBOARD_HTTP__ACCESS_LOG", "false"},
                   // A failing email provider (nothing listens on port 1) ends a delivery dead at once.
                   {"SWITCHBOARD_NOTIFY__MAX_ATTEMPTS", "1"},
                   {"SWITCHBOARD_EMAIL__RETRY__MAX_ATTEMPTS", "1"},
                   {"SWITCHBOARD_EMAIL__SENDGRID__API_KEY", "SG.e2e"},
                   {"SWITCHBOARD_EMAIL__SENDGRID__BASE_URL", "http://127.0.0.1:1"}});
  ASSERT_TRUE(s.start()) << s.output();

  TempDir dir;
  const std::string shots = (fs::path(SB_BINARY).parent_path() / "ui-screenshots").string();
  ChildProcess node({"/usr/bin/env", "node", std::string(SB_SOURCE_DIR) + "/tests/e2e/ui/" + script},
                    {{"SB_URL", s.url()},
                     {"SB_ADMIN_KEY", s.admin_key()},
                     {"SB_UI_DIR", ui_dir},
                     {"SB_CHROMIUM", chromium},
                     {"SB_SCREENSHOTS", shots}},
                    dir.file("node.log"));
  int code = node.wait_for(150'000);  // the script bounds itself at 90 s; this is the backstop
  EXPECT_EQ(code, 0) << read_file(dir.file("node.log")) << "\n--- server ---\n" << s.output();
}

TEST(UiE2E, NotificationMonitorInHeadlessChromium) { run_browser_script("monitor.mjs"); }

TEST(UiE2E, OperatorPagesInHeadlessChromium) { run_browser_script("pages.mjs"); }

}  // namespace
}  // namespace sb::test
