// StaticFiles behind a tail route: the index and client-side routes, ETag
// and 304, Cache-Control by kind of file, precompressed variants, and no way
// out of the directory.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/clock.h"
#include "core/metrics.h"
#include "http/pipeline.h"
#include "http/router.h"
#include "http/static_files.h"
#include "temp_dir.h"

namespace sb::http {
namespace {

void write(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

struct StaticFixture : ::testing::Test {
  test::TempDir dir;
  Router router;
  metrics::Registry metrics;
  ManualClock clock;
  std::unique_ptr<Pipeline> pipeline;

  void SetUp() override {
    write(dir.file("index.html"), "<!doctype html><title>ui</title>");
    write(dir.file("assets/app.3f9a1c2e.js"), "console.log('app')");
    write(dir.file("assets/app.3f9a1c2e.js.gz"), "GZIPPED");
    write(dir.file("assets/app.3f9a1c2e.js.br"), "BROTLI");
    write(dir.file("logo.svg"), "<svg/>");
    write(dir.file("../secret.txt"), "do not serve");
    auto files = StaticFiles::load(dir.path());
    ASSERT_TRUE(files.ok()) << files.status().message();
    router.add({"GET", "/ui/*", StaticFiles::handler(*files), Access::kPublic});
    router.add({"GET", "/ui/api-like/{id}", sync([](Request& r) { return Response::json(200, r.params["id"]); }),
                Access::kPublic});
    pipeline = std::make_unique<Pipeline>(router, std::vector<std::shared_ptr<Step>>{}, &metrics, clock,
                                          PipelineOptions{false});
  }
  Response get(std::string path, std::vector<std::pair<std::string, std::string>> headers = {}) {
    Request req;
    req.method = "GET";
    req.path = std::move(path);
    req.headers = std::move(headers);
    Response out;
    pipeline->handle(req, [&](Response r) { out = std::move(r); });
    return out;
  }
  static std::string header(const Response& r, const std::string& name) {
    for (auto& [k, v] : r.headers)
      if (k == name) return v;
    return {};
  }
};

TEST_F(StaticFixture, ServesTheIndexForTheRootAndForClientSideRoutesButNotForMissingAssets) {
  for (std::string path : {"/ui", "/ui/", "/ui/index.html", "/ui/notifications/42"}) {
    Response r = get(path);
    EXPECT_EQ(r.status, 200) << path;
    EXPECT_EQ(r.body, "<!doctype html><title>ui</title>") << path;
    EXPECT_EQ(header(r, "Content-Type"), "text/html; charset=utf-8");
    EXPECT_EQ(header(r, "Cache-Control"), "no-cache");
  }
  EXPECT_EQ(get("/ui/assets/missing.js").status, 404);
  EXPECT_EQ(get("/ui/api-like/7").body, "7");  // an exact route beats the tail
}

TEST_F(StaticFixture, NoPathLeavesTheDirectory) {
  EXPECT_EQ(get("/ui/../secret.txt").status, 404);
  EXPECT_EQ(get("/ui/%2e%2e/secret.txt").status, 404);
  EXPECT_EQ(get("/ui/assets/..%2f..%2fsecret.txt").status, 404);
}

TEST_F(StaticFixture, ETagRevalidatesWith304) {
  Response first = get("/ui/logo.svg");
  ASSERT_EQ(first.status, 200);
  std::string etag = header(first, "ETag");
  ASSERT_FALSE(etag.empty());
  EXPECT_EQ(header(first, "Cache-Control"), "public, max-age=300");
  Response again = get("/ui/logo.svg", {{"if-none-match", etag}});
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  EXPECT_EQ(header(again, "ETag"), etag);
  EXPECT_EQ(get("/ui/logo.svg", {{"if-none-match", "W/" + etag + ", \"other\""}}).status, 304);
  EXPECT_EQ(get("/ui/logo.svg", {{"if-none-match", "\"stale\""}}).status, 200);
}

TEST_F(StaticFixture, HashedAssetsAreImmutableAndPrecompressedVariantsFollowAcceptEncoding) {
  Response plain = get("/ui/assets/app.3f9a1c2e.js");
  EXPECT_EQ(plain.body, "console.log('app')");
  EXPECT_EQ(header(plain, "Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(header(plain, "Vary"), "Accept-Encoding");
  EXPECT_EQ(header(plain, "Content-Encoding"), "");
  Response br = get("/ui/assets/app.3f9a1c2e.js", {{"accept-encoding", "gzip, deflate, br"}});
  EXPECT_EQ(br.body, "BROTLI");
  EXPECT_EQ(header(br, "Content-Encoding"), "br");
  EXPECT_EQ(header(br, "Content-Type"), "text/javascript; charset=utf-8");
  Response gz = get("/ui/assets/app.3f9a1c2e.js", {{"accept-encoding", "gzip, br;q=0"}});
  EXPECT_EQ(gz.body, "GZIPPED");
  EXPECT_EQ(header(gz, "Content-Encoding"), "gzip");
  // Each encoding has its own ETag, so a cache never mixes them up.
  EXPECT_NE(header(gz, "ETag"), header(br, "ETag"));
  EXPECT_NE(header(gz, "ETag"), header(plain, "ETag"));
}

TEST(StaticFilesFromMemory, ServesEmbeddedFilesLikeADirectory) {
  static const unsigned char kIndex[] = {'<', 'p', '>'};
  static const unsigned char kApp[] = {'x', '(', ')'};
  static const unsigned char kAppGz[] = {'G', 'Z'};
  const EmbeddedFile files[] = {{"index.html", kIndex, sizeof kIndex},
                                {"app.0a1b2c3d4e5f.js.gz", kAppGz, sizeof kAppGz},  // before its original
                                {"app.0a1b2c3d4e5f.js", kApp, sizeof kApp}};
  auto static_files = StaticFiles::from_memory(files);
  EXPECT_EQ(static_files->file_count(), 2u);
  auto get = [&](std::string tail, std::vector<std::pair<std::string, std::string>> headers = {}) {
    Request req;
    req.method = "GET";
    req.params["*"] = std::move(tail);
    req.headers = std::move(headers);
    return static_files->serve(req);
  };
  EXPECT_EQ(get("").body, "<p>");
  EXPECT_EQ(get("monitor").body, "<p>") << "client-side route";
  Response plain = get("app.0a1b2c3d4e5f.js");
  EXPECT_EQ(plain.body, "x()");
  Response gz = get("app.0a1b2c3d4e5f.js", {{"accept-encoding", "gzip"}});
  EXPECT_EQ(gz.body, "GZ");
  bool immutable = false;
  for (auto& [k, v] : gz.headers) immutable |= k == "Cache-Control" && v == "public, max-age=31536000, immutable";
  EXPECT_TRUE(immutable);
}

TEST(RouterTail, MatchesAnyTailIncludingNoneAndPrefersLongerPrefixes) {
  Router r;
  r.add({"GET", "/gw/*", sync([](Request&) { return Response::json(200, "short"); }), Access::kPublic});
  r.add({"GET", "/gw/orders/*", sync([](Request&) { return Response::json(200, "long"); }), Access::kPublic});
  std::map<std::string, std::string> params;
  Match m = r.match("GET", "/gw/orders/7/items", params);
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->pattern, "/gw/orders/*");
  EXPECT_EQ(params["*"], "7/items");
  m = r.match("GET", "/gw", params);
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->pattern, "/gw/*");
  EXPECT_EQ(params["*"], "");
  m = r.match("POST", "/gw/x", params);
  EXPECT_EQ(m.route, nullptr);
  EXPECT_TRUE(m.path_exists);
  EXPECT_EQ(m.allow, "GET");
  EXPECT_EQ(r.match("GET", "/other", params).path_exists, false);
}

}  // namespace
}  // namespace sb::http
