// http::StaticFiles — serves a directory (the dashboard's build output) from
// memory for a tail route ("/ui/*"): the files are read once at load, so a
// request never touches the disk and no path from a client ever reaches the
// filesystem (no traversal to guard).
//
//   ETag          strong, from the content (one per encoding); If-None-Match → 304
//   Cache-Control "no-cache" for HTML (always revalidated, so a deploy is
//                 seen at once); "public, max-age=31536000, immutable" for
//                 content-hashed names (app.3f9a1c2e.js, index-BxK2a9Qz.js);
//                 "public, max-age=300" for the rest
//   precompressed name.br / name.gz beside a file are served when the client
//                 accepts them (Content-Encoding, Vary: Accept-Encoding)
//   fallback      a path with no file extension that names no file serves
//                 index.html (client-side routing); a missing asset is 404
//
// The files come from a directory (load) or from byte arrays compiled into
// the binary (from_memory; the dashboard's bundle, api/ui_api.h).
//
// Thread-safe (immutable after load).
#pragma once

#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "core/result.h"
#include "http/message.h"

namespace sb::http {

// One file compiled into the binary: its '/'-separated path and its bytes.
struct EmbeddedFile {
  const char* path;
  const unsigned char* data;
  size_t size;
  std::string_view bytes() const { return {reinterpret_cast<const char*>(data), size}; }
};

class StaticFiles {
 public:
  // Reads every regular file under `dir`. NotFound if `dir` is not a directory.
  static Result<std::shared_ptr<const StaticFiles>> load(const std::string& dir);
  // The same from files in memory (copied; "x.gz" beside "x" as on disk).
  static std::shared_ptr<const StaticFiles> from_memory(std::span<const EmbeddedFile> files);

  // Answers GET/HEAD for the tail in req.params["*"] ("" = the index).
  Response serve(const Request& req) const;
  // serve() as a route handler; keeps this alive as long as the route.
  static Handler handler(std::shared_ptr<const StaticFiles> files);

  size_t file_count() const { return files_.size(); }

 private:
  struct Variant {
    std::string body;
    std::string etag;
  };
  struct File {
    std::string content_type;
    std::string cache_control;
    Variant identity;
    std::unique_ptr<Variant> gzip, brotli;
  };
  // Adds one file ("a.js") or a compressed variant ("a.js.gz", kept aside
  // in `compressed` until every original is known).
  void add(std::string rel, std::string bytes, std::map<std::string, std::string>& compressed);
  void attach(std::map<std::string, std::string>& compressed);

  std::map<std::string, File, std::less<>> files_;  // by path relative to the directory, '/'-separated
};

// An If-None-Match header holds `etag` (quoted) or "*"; weak comparison, as
// RFC 9110 asks for GET. For any handler that serves an ETag.
bool if_none_match_hit(std::string_view header, std::string_view etag);

}  // namespace sb::http
