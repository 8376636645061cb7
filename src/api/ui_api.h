// The dashboard (ui/, docs/architecture.md "Dashboard"): its bundle, built by
// CMake from ui/ and compiled into the binary as byte arrays
// (build/generated/ui_assets.cpp), served at /ui and /ui/... (client-side
// routes fall back to index.html) with ETag, immutable caching of the
// content-hashed files, gzip, and a Content-Security-Policy that allows
// scripts and styles from the binary only. The pages call the public API
// like any client; these routes are public because they hold no data.
#pragma once

#include <memory>
#include <span>

#include "api/component.h"
#include "http/static_files.h"

namespace sb::api {

// The files of ui/'s build, generated at build time.
std::span<const http::EmbeddedFile> ui_assets();

// What every /ui answer carries besides the file's own headers.
inline constexpr const char* kUiContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

class UiComponent final : public Component {
 public:
  UiComponent() : Component("ui") {}
  Status init() override;
  void routes(std::vector<http::Route>& out) override;

 private:
  std::shared_ptr<const http::StaticFiles> files_;
};

}  // namespace sb::api
