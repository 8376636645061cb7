#include "store/postgres/pg_connection.h"

#include <libpq-fe.h>
#include <spdlog/spdlog.h>

#include <cctype>
#include <charconv>
#include <cstring>
#include <vector>

namespace sb::store {
namespace {

// Type oids from pg_type.dat; stable across PostgreSQL versions.
constexpr Oid kBoolOid = 16, kInt8Oid = 20, kInt2Oid = 21, kInt4Oid = 23, kFloat4Oid = 700,
              kFloat8Oid = 701;

struct Span {
  size_t pos, len;
};

// Where the password sits in a postgresql:// URI (user:PASSWORD@ and
// ?password=) or a key=value conninfo string, following libpq's own parsing.
std::vector<Span> password_spans(const std::string& url) {
  std::vector<Span> out;
  size_t scheme = url.find("://");
  if (scheme != std::string::npos) {
    size_t start = scheme + 3, p = start;
    while (p < url.size() && url[p] != '@' && url[p] != '/') ++p;
    if (p < url.size() && url[p] == '@') {
      size_t colon = url.find(':', start);
      if (colon < p) out.push_back({colon + 1, p - colon - 1});
    }
    size_t q = url.find('?', p);
    while (q != std::string::npos && q < url.size()) {
      size_t key = q + 1;
      size_t amp = url.find('&', key);
      size_t end = amp == std::string::npos ? url.size() : amp;
      if (url.compare(key, 9, "password=") == 0) out.push_back({key + 9, end - key - 9});
      q = amp;
    }
    return out;
  }
  for (size_t k = url.find("password"); k != std::string::npos; k = url.find("password", k + 1)) {
    if (k > 0 && !std::isspace(static_cast<unsigned char>(url[k - 1]))) continue;
    size_t p = k + 8;
    while (p < url.size() && url[p] == ' ') ++p;
    if (p >= url.size() || url[p] != '=') continue;
    ++p;
    while (p < url.size() && url[p] == ' ') ++p;
    size_t end = p;
    if (p < url.size() && url[p] == '\'') {
      for (end = p + 1; end < url.size() && url[end] != '\''; ++end)
        if (url[end] == '\\') ++end;
      end = std::min(end + 1, url.size());
    } else {
      while (end < url.size() && !std::isspace(static_cast<unsigned char>(url[end]))) ++end;
    }
    out.push_back({p, end - p});
  }
  return out;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    int v = 0;
    if (s[i] == '%' && i + 2 < s.size() &&
        std::from_chars(s.data() + i + 1, s.data() + i + 3, v, 16).ptr == s.data() + i + 3) {
      out.push_back(static_cast<char>(v));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

void replace_all(std::string& s, const std::string& what, const std::string& with) {
  if (what.empty()) return;
  for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + with.size()))
    s.replace(p, what.size(), with);
}

// libpq messages end in a newline and may span lines; logs want one line.
std::string one_line(const char* msg) {
  std::string s = msg ? msg : "";
  for (char& c : s)
    if (c == '\n' || c == '\t' || c == '\r') c = ' ';
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

bool starts_with_ci(const char* s, std::string_view prefix) {
  while (*s && std::isspace(static_cast<unsigned char>(*s))) ++s;
  for (char c : prefix) {
    if (std::toupper(static_cast<unsigned char>(*s)) != c) return false;
    ++s;
  }
  return *s == '\0' || std::isspace(static_cast<unsigned char>(*s)) || *s == ';';
}

bool ends_tx(const char* sql) {
  if (starts_with_ci(sql, "COMMIT") || starts_with_ci(sql, "END") || starts_with_ci(sql, "ABORT"))
    return true;
  // ROLLBACK TO SAVEPOINT keeps the transaction open.
  return starts_with_ci(sql, "ROLLBACK") && !std::strstr(sql, " TO ") && !std::strstr(sql, " to ");
}

bool is_commit(const char* sql) { return starts_with_ci(sql, "COMMIT") || starts_with_ci(sql, "END"); }
bool opens_tx(const char* sql) { return starts_with_ci(sql, "BEGIN") || starts_with_ci(sql, "START"); }

bool result_ok(const PGresult* res) {
  if (!res) return false;
  ExecStatusType st = PQresultStatus(res);
  return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY;
}

void log_notice(void*, const char* message) { spdlog::debug("postgresql: {}", one_line(message)); }

Value convert(const PGresult* res, int row, int col, Oid type) {
  if (PQgetisnull(res, row, col)) return nullptr;
  const char* v = PQgetvalue(res, row, col);
  int len = PQgetlength(res, row, col);
  switch (type) {
    case kInt2Oid:
    case kInt4Oid:
    case kInt8Oid: {
      int64_t out = 0;
      std::from_chars(v, v + len, out);
      return out;
    }
    case kFloat4Oid:
    case kFloat8Oid: {
      // from_chars is locale-independent and reads "Infinity"/"NaN" too.
      double out = 0;
      const char* p = v;
      if (*p == '+') ++p;
      std::from_chars(p, v + len, out);
      return out;
    }
    case kBoolOid: return static_cast<int64_t>(v[0] == 't' ? 1 : 0);
    default: return std::string(v, static_cast<size_t>(len));
  }
}

}  // namespace

std::string redact_url(const std::string& url) {
  std::string out = url;
  auto spans = password_spans(url);
  for (auto it = spans.rbegin(); it != spans.rend(); ++it) out.replace(it->pos, it->len, "***");
  return out;
}

std::string scrub_password(std::string message, const std::string& url) {
  for (const Span& s : password_spans(url)) {
    std::string secret = url.substr(s.pos, s.len);
    if (secret.size() >= 2 && secret.front() == '\'' && secret.back() == '\'')
      secret = secret.substr(1, secret.size() - 2);
    replace_all(message, secret, "***");
    replace_all(message, percent_decode(secret), "***");
  }
  return message;
}

Result<std::unique_ptr<PgConnection>> PgConnection::open(const std::string& url) {
  // Later keywords override earlier ones, and the URL expands in place of
  // "dbname": the URL may pick its own timeout or application name, but
  // text always travels as UTF-8 because Value strings are UTF-8.
  const char* keys[] = {"connect_timeout", "fallback_application_name", "dbname", "client_encoding",
                        nullptr};
  const char* vals[] = {"10", "switchboard", url.c_str(), "UTF8", nullptr};
  PGconn* c = PQconnectdbParams(keys, vals, /*expand_dbname=*/1);
  if (!c) return Status::unavailable("postgresql connect: out of memory");
  if (PQstatus(c) != CONNECTION_OK) {
    std::string msg = scrub_password(one_line(PQerrorMessage(c)), url);
    PQfinish(c);
    return Status::unavailable("postgresql connect " + redact_url(url) + ": " + msg);
  }
  PQsetNoticeProcessor(c, log_notice, nullptr);
  std::unique_ptr<PgConnection> conn(new PgConnection(c, url));
  SB_TRY(conn->setup());
  return conn;
}

PgConnection::~PgConnection() { PQfinish(conn_); }

Status PgConnection::setup() {
  // Acknowledged means durable, whatever the server or role default says.
  return run_simple("SET synchronous_commit = on");
}

void PgConnection::note_tx_state() {
  if (PQstatus(conn_) == CONNECTION_OK) in_tx_ = PQtransactionStatus(conn_) != PQTRANS_IDLE;
}

Status PgConnection::ensure_connected() {
  if (PQstatus(conn_) == CONNECTION_OK) return {};
  if (in_tx_) return Status::unavailable("postgresql connection lost inside a transaction");
  PQreset(conn_);
  cache_.clear();  // prepared statements died with the old session
  if (PQstatus(conn_) != CONNECTION_OK)
    return Status::unavailable("postgresql reconnect " + redact_url(url_) + ": " +
                               scrub_password(one_line(PQerrorMessage(conn_)), url_));
  return setup();
}

Status PgConnection::error(PGresult* res, const char* what) {
  const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  const char* primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  std::string msg = std::string("postgresql ") + what + ": " +
                    (primary ? std::string(primary) : one_line(PQerrorMessage(conn_)));
  if (state) msg += std::string(" (SQLSTATE ") + state + ")";
  if (PQstatus(conn_) != CONNECTION_OK) return Status::unavailable(std::move(msg));
  if (!state) return Status::internal(std::move(msg));
  std::string_view st(state);
  if (st.substr(0, 2) == "23") return Status::conflict(std::move(msg));
  if (st.substr(0, 2) == "08" || st == "40001" || st == "40P01" || st == "57P01" || st == "57P02" ||
      st == "57P03")
    return Status::unavailable(std::move(msg));
  return Status::internal(std::move(msg));
}

Status PgConnection::run_simple(const char* sql) {
  PGresult* res = PQexec(conn_, sql);
  Status s = result_ok(res) ? Status() : error(res, "exec");
  if (s && is_commit(sql) && std::strcmp(PQcmdStatus(res), "ROLLBACK") == 0) {
    // PostgreSQL answers COMMIT of a transaction that already failed with a
    // rollback, not an error: surface it so nobody is told "committed".
    s = Status::internal("postgresql commit: transaction was rolled back after an earlier error");
  }
  PQclear(res);
  note_tx_state();
  return s;
}

Status PgConnection::raw(const char* sql) {
  if (ends_tx(sql) && PQstatus(conn_) != CONNECTION_OK) {
    in_tx_ = false;
    return Status::unavailable("postgresql connection lost; transaction rolled back");
  }
  SB_TRY(ensure_connected());
  Status s = run_simple(sql);
  if (!s && opens_tx(sql) && PQstatus(conn_) != CONNECTION_OK) {
    // The connection died while idle (server restart, idle timeout): nothing
    // ran, so one fresh attempt is safe.
    in_tx_ = false;
    SB_TRY(ensure_connected());
    s = run_simple(sql);
  }
  return s;
}

Status PgConnection::exec_script(std::string_view sql) {
  SB_TRY(ensure_connected());
  std::string text(sql);
  PGresult* res = PQexec(conn_, text.c_str());
  Status s = result_ok(res) ? Status() : error(res, "script");
  PQclear(res);
  note_tx_state();
  return s;
}

Result<const PgConnection::Prepared*> PgConnection::prepare(std::string_view sql) {
  if (auto it = cache_.find(sql); it != cache_.end()) return &it->second;
  std::string text(sql);
  std::string name = "sb" + std::to_string(++next_stmt_);
  // Parameter types are left for the server to infer from context, as it does
  // for quoted literals; text in, typed out.
  PGresult* res = PQprepare(conn_, name.c_str(), text.c_str(), 0, nullptr);
  if (!result_ok(res)) {
    Status s = error(res, "prepare");
    PQclear(res);
    note_tx_state();
    return s;
  }
  PQclear(res);
  // Like SQLite, tolerate callers passing more parameters than the statement
  // uses: bind only as many as it declares.
  res = PQdescribePrepared(conn_, name.c_str());
  if (!result_ok(res)) {
    Status s = error(res, "describe");
    PQclear(res);
    note_tx_state();
    return s;
  }
  int nparams = PQnparams(res);
  PQclear(res);
  auto [it, _] = cache_.emplace(std::move(text), Prepared{std::move(name), nparams});
  return &it->second;
}

Result<PGresult*> PgConnection::run(std::string_view sql, const Params& params) {
  SB_TRY(ensure_connected());
  SB_ASSIGN(const Prepared* p, prepare(sql));
  const size_t n = static_cast<size_t>(p->nparams);
  std::vector<std::string> text(n);
  std::vector<const char*> values(n, nullptr);  // unbound parameters are NULL, as in SQLite
  for (size_t i = 0; i < n && i < params.size(); ++i) {
    const Value& v = params[i];
    if (std::holds_alternative<std::nullptr_t>(v)) continue;
    if (auto s = std::get_if<std::string>(&v)) {
      values[i] = s->c_str();
      continue;
    }
    char buf[32];
    std::to_chars_result r = std::holds_alternative<int64_t>(v)
                                 ? std::to_chars(buf, buf + sizeof buf, std::get<int64_t>(v))
                                 : std::to_chars(buf, buf + sizeof buf, std::get<double>(v));
    text[i].assign(buf, r.ptr);
    values[i] = text[i].c_str();
  }
  PGresult* res = PQexecPrepared(conn_, p->name.c_str(), static_cast<int>(n), values.data(), nullptr,
                                 nullptr, /*resultFormat=text*/ 0);
  if (!result_ok(res)) {
    Status s = error(res, "statement");
    const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
    if (state && std::strcmp(state, "0A000") == 0) {
      // "cached plan must not change result type": a migration altered a
      // table under this statement. Re-prepare on the next attempt.
      if (auto it = cache_.find(sql); it != cache_.end()) cache_.erase(it);
    }
    PQclear(res);
    note_tx_state();
    return s;
  }
  note_tx_state();
  return res;
}

Result<Rows> PgConnection::query(std::string_view sql, const Params& params) {
  SB_ASSIGN(PGresult * res, run(sql, params));
  const int nrows = PQntuples(res), ncols = PQnfields(res);
  std::vector<Oid> types(static_cast<size_t>(ncols));
  for (int c = 0; c < ncols; ++c) types[c] = PQftype(res, c);
  Rows rows;
  rows.reserve(static_cast<size_t>(nrows));
  for (int r = 0; r < nrows; ++r) {
    std::vector<Value> cols;
    cols.reserve(static_cast<size_t>(ncols));
    for (int c = 0; c < ncols; ++c) cols.push_back(convert(res, r, c, types[c]));
    rows.emplace_back(std::move(cols));
  }
  PQclear(res);
  return rows;
}

Result<int64_t> PgConnection::exec(std::string_view sql, const Params& params) {
  SB_ASSIGN(PGresult * res, run(sql, params));
  const char* tuples = PQcmdTuples(res);
  int64_t n = 0;
  std::from_chars(tuples, tuples + std::strlen(tuples), n);
  PQclear(res);
  return n;
}

}  // namespace sb::store
