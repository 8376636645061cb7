#include "http/static_files.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/crypto.h"
#include "http/problem.h"

namespace sb::http {

namespace fs = std::filesystem;

namespace {

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string etag_of(std::string_view body, std::string_view suffix) {
  return "\"" + crypto::sha256_hex(body).substr(0, 20) + std::string(suffix) + "\"";
}

std::string_view extension(std::string_view name) {
  size_t slash = name.rfind('/');
  size_t dot = name.rfind('.');
  if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash)) return {};
  return name.substr(dot + 1);
}

std::string content_type_for(std::string_view ext) {
  static const std::map<std::string, std::string, std::less<>> kTypes = {
      {"html", "text/html; charset=utf-8"}, {"js", "text/javascript; charset=utf-8"},
      {"mjs", "text/javascript; charset=utf-8"}, {"css", "text/css; charset=utf-8"},
      {"json", "application/json"}, {"map", "application/json"}, {"svg", "image/svg+xml"},
      {"png", "image/png"}, {"jpg", "image/jpeg"}, {"jpeg", "image/jpeg"}, {"gif", "image/gif"},
      {"webp", "image/webp"}, {"ico", "image/x-icon"}, {"woff2", "font/woff2"}, {"woff", "font/woff"},
      {"txt", "text/plain; charset=utf-8"}, {"wasm", "application/wasm"}};
  auto it = kTypes.find(ext);
  return it == kTypes.end() ? "application/octet-stream" : it->second;
}

// A bundler's content hash in the name: "app.3f9a1c2e.js", "index-BxK2a9Qz.js".
bool content_hashed(std::string_view name) {
  size_t slash = name.rfind('/');
  std::string_view base = slash == std::string_view::npos ? name : name.substr(slash + 1);
  size_t dot = base.rfind('.');
  if (dot == std::string_view::npos) return false;
  std::string_view stem = base.substr(0, dot);
  size_t sep = stem.find_last_of(".-");
  if (sep == std::string_view::npos) return false;
  std::string_view hash = stem.substr(sep + 1);
  if (hash.size() < 8) return false;
  bool digit = false;
  for (char c : hash) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
    digit |= std::isdigit(static_cast<unsigned char>(c)) != 0;
  }
  return digit;  // "index-settings" is a name, not a hash
}

// Calls fn(item) for each comma-separated item of a header value, trimmed;
// stops when fn returns true and says so.
template <typename Fn>
bool any_item(std::string_view list, Fn fn) {
  while (!list.empty()) {
    size_t comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (fn(item)) return true;
  }
  return false;
}

// Whether Accept-Encoding allows `coding` (present, and not with q=0).
bool accepts(std::string_view accept, std::string_view coding) {
  return any_item(accept, [&](std::string_view item) {
    size_t semi = item.find(';');
    std::string_view name = item.substr(0, semi);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    if (name != coding) return false;
    if (semi == std::string_view::npos) return true;
    std::string_view params = item.substr(semi + 1);
    size_t q = params.find("q=");
    return q == std::string_view::npos || std::strtod(std::string(params.substr(q + 2)).c_str(), nullptr) > 0;
  });
}

}  // namespace

// If-None-Match holds `etag` (or "*"); weak comparison as RFC 9110 asks for GET.
bool if_none_match_hit(std::string_view header, std::string_view etag) {
  return any_item(header, [&](std::string_view tag) {
    if (tag == "*") return true;
    if (tag.starts_with("W/")) tag.remove_prefix(2);
    return tag == etag;
  });
}

void StaticFiles::add(std::string rel, std::string bytes, std::map<std::string, std::string>& compressed) {
  std::string ext(extension(rel));
  if (ext == "gz" || ext == "br") {
    compressed[rel] = std::move(bytes);
    return;
  }
  File f;
  f.content_type = content_type_for(ext);
  f.cache_control = ext == "html"            ? "no-cache"
                    : content_hashed(rel)    ? "public, max-age=31536000, immutable"
                                             : "public, max-age=300";
  f.identity.body = std::move(bytes);
  f.identity.etag = etag_of(f.identity.body, "");
  files_.insert_or_assign(std::move(rel), std::move(f));
}

void StaticFiles::attach(std::map<std::string, std::string>& compressed) {
  for (auto& [name, bytes] : compressed) {
    auto base = files_.find(std::string_view(name).substr(0, name.size() - 3));
    if (base == files_.end()) continue;  // a compressed file without its original is not served
    auto v = std::make_unique<Variant>(Variant{std::move(bytes), ""});
    bool br = name.ends_with(".br");
    v->etag = etag_of(base->second.identity.body, br ? "-br" : "-gz");
    (br ? base->second.brotli : base->second.gzip) = std::move(v);
  }
}

Result<std::shared_ptr<const StaticFiles>> StaticFiles::load(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return Status::not_found("static files: " + dir + " is not a directory");
  auto out = std::shared_ptr<StaticFiles>(new StaticFiles());
  std::map<std::string, std::string> compressed;  // "a.js.gz" -> bytes
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    out->add(fs::relative(it->path(), dir).generic_string(), read_all(it->path()), compressed);
  }
  if (ec) return Status::unavailable("static files: reading " + dir + ": " + ec.message());
  out->attach(compressed);
  return std::shared_ptr<const StaticFiles>(std::move(out));
}

std::shared_ptr<const StaticFiles> StaticFiles::from_memory(std::span<const EmbeddedFile> files) {
  auto out = std::shared_ptr<StaticFiles>(new StaticFiles());
  std::map<std::string, std::string> compressed;
  for (const EmbeddedFile& f : files) out->add(f.path, std::string(f.bytes()), compressed);
  out->attach(compressed);
  return out;
}

Response StaticFiles::serve(const Request& req) const {
  auto tail = req.params.find("*");
  std::string path = tail == req.params.end() || tail->second.empty() ? "index.html" : tail->second;
  auto it = files_.find(path);
  if (it == files_.end() && extension(path).empty()) it = files_.find(std::string_view("index.html"));
  if (it == files_.end()) return problem(404, "not-found", "Not found", "no file " + path, req.request_id);
  const File& f = it->second;
  std::string_view accept = req.header("accept-encoding");
  const Variant* v = &f.identity;
  const char* encoding = nullptr;
  if (f.brotli && accepts(accept, "br")) v = f.brotli.get(), encoding = "br";
  else if (f.gzip && accepts(accept, "gzip")) v = f.gzip.get(), encoding = "gzip";

  Response r;
  r.headers = {{"ETag", v->etag}, {"Cache-Control", f.cache_control}};
  if (f.gzip || f.brotli) r.headers.emplace_back("Vary", "Accept-Encoding");
  if (if_none_match_hit(req.header("if-none-match"), v->etag)) {
    r.status = 304;
    return r;
  }
  r.status = 200;
  r.headers.emplace_back("Content-Type", f.content_type);
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  if (encoding) r.headers.emplace_back("Content-Encoding", encoding);
  r.body = v->body;
  return r;
}

Handler StaticFiles::handler(std::shared_ptr<const StaticFiles> files) {
  return [files = std::move(files)](Request& req, Respond respond) { respond(files->serve(req)); };
}

}  // namespace sb::http
