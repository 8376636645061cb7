// Compiled (syntax only) by ctest, not linked: shows that a configuration read
// goes through the declared constant. GOOD compiles; MISSPELT, STRING and
// BOOL_FROM_TEXT must not (tests/CMakeLists.txt checks the compiler names the
// reason).
#include <cstdint>

#include "app/config_keys.h"
#include "config/config.h"

int64_t io_threads(const sb::config::ConfigService& config) {
#if defined(GOOD)
  return config.get(sb::app::kServerThreads);
#elif defined(MISSPELT)
  return config.get(sb::app::kServerThread);
#elif defined(STRING)
  return config.get("server.threads");
#else
  return 0;
#endif
}

#if defined(BOOL_FROM_TEXT)
// A string literal would silently become `true`: the declaration is refused.
const sb::config::Key<bool> kFlag{"feature.on", "false", "flag"};
#endif
