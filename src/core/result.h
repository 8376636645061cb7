// Errors as values. Every function that can fail across a module boundary
// returns Status or Result<T>; exceptions never cross a module boundary.
// http/problem.cpp maps Code to an HTTP status in one table.
#pragma once

#include <cassert>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace sb {

enum class Code {
  kOk = 0,
  kInvalidArgument,   // caller sent something malformed (4xx, names the field)
  kNotFound,
  kAlreadyExists,
  kConflict,          // state does not allow it right now
  kUnauthenticated,
  kPermissionDenied,
  kResourceExhausted, // limits, rate limits, body too large
  kUnavailable,       // dependency down; retryable
  kDeadlineExceeded,  // retryable
  kInternal,
};

const char* code_name(Code c);

// One invalid input field: `field` is a JSON pointer-ish path ("/data/email").
struct FieldError {
  std::string field;
  std::string message;
};

class Status {
 public:
  Status() = default;
  Status(Code code, std::string message, std::vector<FieldError> fields = {})
      : code_(code), message_(std::move(message)), fields_(std::move(fields)) {}

  // No static ok(): `status.ok()` would then compile and always be true.
  static Status invalid(std::string field, std::string message) {
    std::string m = field + ": " + message;
    return Status(Code::kInvalidArgument, std::move(m), {{std::move(field), std::move(message)}});
  }
  static Status invalid(std::vector<FieldError> fields) {
    std::string m = fields.empty() ? "invalid input" : fields[0].field + ": " + fields[0].message;
    return Status(Code::kInvalidArgument, std::move(m), std::move(fields));
  }
  static Status not_found(std::string m) { return {Code::kNotFound, std::move(m)}; }
  static Status already_exists(std::string m) { return {Code::kAlreadyExists, std::move(m)}; }
  static Status conflict(std::string m) { return {Code::kConflict, std::move(m)}; }
  static Status unauthenticated(std::string m) { return {Code::kUnauthenticated, std::move(m)}; }
  static Status permission_denied(std::string m) { return {Code::kPermissionDenied, std::move(m)}; }
  // `retry_after_ms`: when a retry may succeed (0 = unknown); HTTP sends it
  // as Retry-After, which every 429 must carry (RFC 6585).
  static Status exhausted(std::string m, int64_t retry_after_ms = 0) {
    Status s(Code::kResourceExhausted, std::move(m));
    s.retry_after_ms_ = retry_after_ms;
    return s;
  }
  static Status unavailable(std::string m) { return {Code::kUnavailable, std::move(m)}; }
  static Status deadline(std::string m) { return {Code::kDeadlineExceeded, std::move(m)}; }
  static Status internal(std::string m) { return {Code::kInternal, std::move(m)}; }

  bool is_ok() const { return code_ == Code::kOk; }
  explicit operator bool() const { return is_ok(); }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  const std::vector<FieldError>& fields() const { return fields_; }
  int64_t retry_after_ms() const { return retry_after_ms_; }
  // Retryable errors: a later attempt may succeed without the caller changing anything.
  bool retryable() const {
    return code_ == Code::kUnavailable || code_ == Code::kDeadlineExceeded ||
           code_ == Code::kResourceExhausted;
  }
  std::string to_string() const { return std::string(code_name(code_)) + ": " + message_; }

 private:
  Code code_ = Code::kOk;
  std::string message_;
  std::vector<FieldError> fields_;
  int64_t retry_after_ms_ = 0;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Status status) : v_(std::move(status)) { assert(!std::get<Status>(v_).is_ok()); }

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Status& status() const& {
    static const Status kOk;
    return ok() ? kOk : std::get<1>(v_);
  }
  // By value on temporaries, so SB_TRY(f().status()) cannot dangle.
  Status status() && { return ok() ? Status() : std::get<1>(std::move(v_)); }
  Status take_status() && { return ok() ? Status() : std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace sb

// Propagate a failed Status/Result out of the current function.
#define SB_TRY(expr)                                   \
  do {                                                 \
    auto&& _sb_s = (expr);                             \
    if (!_sb_s) return ::sb::detail::status_of(_sb_s); \
  } while (0)

#define SB_CONCAT_(a, b) a##b
#define SB_CONCAT(a, b) SB_CONCAT_(a, b)
#define SB_ASSIGN(lhs, expr) SB_ASSIGN_(SB_CONCAT(_sb_r, __LINE__), lhs, expr)
#define SB_ASSIGN_(tmp, lhs, expr)          \
  auto tmp = (expr);                        \
  if (!tmp) return std::move(tmp).take_status(); \
  lhs = std::move(tmp).value()

namespace sb::detail {
inline Status status_of(const Status& s) { return s; }
template <typename T>
Status status_of(const Result<T>& r) { return r.status(); }
}  // namespace sb::detail
