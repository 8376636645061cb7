// Typed declarations of configuration keys. A key is declared once, as a
// constant next to the code that reads it, and read through that constant:
//
//   inline const config::Key<int64_t> kServerThreads{
//       "server.threads", 0, "io threads (0 = one per core)", config::at_least(0)};
//   int64_t n = config.get(kServerThreads);   // ConfigService::get -> int64_t
//
// The dotted name is written once; every read goes through the C++
// identifier, so a misspelt key does not compile. Options follow the
// description, in any order:
//   config::at_least(n) / at_most(n) / between(lo, hi)  numeric range (also for docs)
//   config::one_of({"a", "b"})                          string choices
//   config::check(fn, "doc")  or a bare lambda          fn(const T&) -> std::optional<std::string>
//                                                       (a message rejects the value)
//   config::hot | config::restart | config::boot        when a change takes effect (default
//                                                       restart: a key only claims `hot` when
//                                                       its owner watches it)
//   config::secret                                      redacted everywhere, sealed at rest
//
// T is one of std::string, int64_t, double, bool, std::vector<std::string> or
// boost::json::value (any JSON: applications' `app.*` keys), or
// std::optional of one of them for a key without a default.
//
// Family<T> declares keys that share a type and rules but whose names vary at
// run time: `{}.retry.max_attempts` per channel, `ratelimit.{}` per rule. A
// member is a Key<T> (`family("email")`, or `family.at(member, default,
// description)` with its own default); declaring the Family itself declares
// the open pattern (`app.*`), under which any member name is accepted.
//
// Keys are values: immutable after construction, safe to share across threads.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace sb::config {

enum class Type { kString, kInt, kBool, kStringList, kDouble, kJson };
const char* type_name(Type t);

// When a changed value takes effect.
enum class Apply {
  kHot,      // the owner watches the key: applied at once, on every instance
  kRestart,  // read at start: stored now, effective on the next start
  kBoot,     // read before the database opens: file or environment only (a runtime set is refused)
};
const char* apply_name(Apply a);
inline constexpr Apply hot = Apply::kHot;
inline constexpr Apply restart = Apply::kRestart;
inline constexpr Apply boot = Apply::kBoot;

struct SecretTag {};
inline constexpr SecretTag secret{};

// The type-erased form ConfigService keeps for every declared key (and
// family pattern "a.b.*"). Built by Key<T>; not written by hand.
struct KeySpec {
  std::string key;
  Type type = Type::kString;
  boost::json::value default_value;  // null = no default
  std::string description;
  bool secret = false;
  // Checks beyond the type (which ConfigService checks first); a message rejects.
  std::function<std::optional<std::string>(const boost::json::value&)> validate;
  Apply apply = Apply::kRestart;
  std::string constraint;  // the checks in words, for `config describe`: ">= 0", "FULL | NORMAL"
};

struct Bounds {
  std::optional<double> lo, hi;
};
inline Bounds at_least(double lo) { return {lo, std::nullopt}; }
inline Bounds at_most(double hi) { return {std::nullopt, hi}; }
inline Bounds between(double lo, double hi) { return {lo, hi}; }

struct OneOf {
  std::vector<std::string> choices;
};
inline OneOf one_of(std::initializer_list<const char*> choices) { return {{choices.begin(), choices.end()}}; }

template <typename F>
struct Check {
  F fn;
  std::string doc;
};
template <typename F>
Check<F> check(F fn, std::string doc = "") {
  return {std::move(fn), std::move(doc)};
}

// A JSON value checked by the parser that reads it (`parse(value)` returning
// a Result): the change is refused with the parser's first field error.
template <typename Parse>
auto parsed_by(Parse parse, const char* doc) {
  return check(
      [parse](const boost::json::value& v) -> std::optional<std::string> {
        auto r = parse(v);
        if (r.ok()) return std::nullopt;
        const auto& f = r.status().fields();
        return f.empty() ? r.status().message() : f.front().field + ": " + f.front().message;
      },
      doc);
}

namespace detail {

template <typename T>
struct TypeOf;
template <> struct TypeOf<std::string> { static constexpr Type value = Type::kString; };
template <> struct TypeOf<int64_t> { static constexpr Type value = Type::kInt; };
template <> struct TypeOf<double> { static constexpr Type value = Type::kDouble; };
template <> struct TypeOf<bool> { static constexpr Type value = Type::kBool; };
template <> struct TypeOf<std::vector<std::string>> { static constexpr Type value = Type::kStringList; };
template <> struct TypeOf<boost::json::value> { static constexpr Type value = Type::kJson; };
// A key without a default: reads give std::nullopt until some layer sets it.
template <typename T> struct TypeOf<std::optional<T>> { static constexpr Type value = TypeOf<T>::value; };

// JSON <-> T. decode() returns `fallback` when `v` does not hold a T (null:
// no layer has the key), so a read never fails: values are checked on the
// way in.
boost::json::value encode(const std::string& v);
boost::json::value encode(int64_t v);
boost::json::value encode(double v);
boost::json::value encode(bool v);
boost::json::value encode(const std::vector<std::string>& v);
boost::json::value encode(const boost::json::value& v);
std::string decode(const boost::json::value& v, const std::string& fallback);
int64_t decode(const boost::json::value& v, int64_t fallback);
double decode(const boost::json::value& v, double fallback);
bool decode(const boost::json::value& v, bool fallback);
std::vector<std::string> decode(const boost::json::value& v, const std::vector<std::string>& fallback);
boost::json::value decode(const boost::json::value& v, const boost::json::value& fallback);
template <typename T>
boost::json::value encode(const std::optional<T>& v) {
  return v ? encode(*v) : boost::json::value(nullptr);
}
template <typename T>
std::optional<T> decode(const boost::json::value& v, const std::optional<T>& fallback) {
  if (v.is_null()) return fallback;
  return decode(v, T{});
}

// "must be between 1 and 10" / ">= 0 ... <= 10" (docs), for integer or real keys.
std::optional<std::string> check_bounds(double n, const Bounds& b, bool integer);
std::string describe_bounds(const Bounds& b, bool integer);
std::optional<std::string> check_one_of(const std::string& s, const OneOf& o);
std::string describe_one_of(const OneOf& o);

}  // namespace detail

template <typename T>
class Family;

template <typename T>
class Key {
  static_assert(sizeof(detail::TypeOf<T>) > 0, "Key<T>: T must be a supported configuration type");

 public:
  template <typename... Options>
  Key(std::string name, T default_value, std::string description, Options&&... options)
      : default_(std::move(default_value)), checks_(std::make_shared<Checks>()) {
    spec_.key = std::move(name);
    spec_.type = detail::TypeOf<T>::value;
    spec_.description = std::move(description);
    (add(std::forward<Options>(options)), ...);
    finish();
  }

  // `Key<bool>{"x", "false", …}` would turn the pointer into `true`.
  template <typename... Options>
    requires std::is_same_v<T, bool>
  Key(std::string, const char*, std::string, Options&&...) = delete;

  const std::string& name() const { return spec_.key; }
  const KeySpec& spec() const { return spec_; }
  const T& default_value() const { return default_; }
  bool is_secret() const { return spec_.secret; }

 private:
  friend class Family<T>;
  using Checks = std::vector<std::function<std::optional<std::string>(const T&)>>;

  void add(Apply a) { spec_.apply = a; }
  void add(SecretTag) { spec_.secret = true; }
  void add(Bounds b) {
    static_assert(std::is_same_v<T, int64_t> || std::is_same_v<T, double>, "a range needs a numeric key");
    constexpr bool integer = std::is_same_v<T, int64_t>;
    checks_->push_back([b](const T& v) { return detail::check_bounds(static_cast<double>(v), b, integer); });
    document(detail::describe_bounds(b, integer));
  }
  void add(OneOf o) {
    static_assert(std::is_same_v<T, std::string>, "one_of needs a string key");
    document(detail::describe_one_of(o));
    checks_->push_back([o = std::move(o)](const T& v) { return detail::check_one_of(v, o); });
  }
  template <typename F>
  void add(Check<F> c) {
    document(c.doc);
    checks_->push_back(std::move(c.fn));
  }
  template <typename F, typename = std::enable_if_t<std::is_invocable_r_v<std::optional<std::string>, F, const T&>>>
  void add(F&& fn) {
    checks_->push_back(std::forward<F>(fn));
  }

  void document(const std::string& doc) {
    if (doc.empty()) return;
    spec_.constraint += (spec_.constraint.empty() ? "" : "; ") + doc;
  }
  void finish() {
    spec_.default_value = detail::encode(default_);
    if (checks_->empty()) return;
    spec_.validate = [checks = checks_, fallback = default_](const boost::json::value& v) -> std::optional<std::string> {
      T typed = detail::decode(v, fallback);  // the type was checked before this runs
      for (const auto& c : *checks)
        if (auto why = c(typed)) return why;
      return std::nullopt;
    };
  }

  KeySpec spec_;
  T default_;
  std::shared_ptr<Checks> checks_;  // shared by copies (families stamp out members)
};

template <typename T>
class Family {
 public:
  // `pattern` holds one "{}", where the member name goes ("{}.timeout_ms",
  // "app.{}"); "{}" in the description is replaced too.
  template <typename... Options>
  Family(std::string pattern, T default_value, std::string description, Options&&... options)
      : proto_(std::move(pattern), std::move(default_value), std::move(description),
               std::forward<Options>(options)...) {}

  // The member key, with the family's default and description.
  Key<T> operator()(std::string_view member) const { return at(member, proto_.default_, proto_.spec_.description); }
  // The member key with its own default and description.
  Key<T> at(std::string_view member, T default_value, std::string description) const {
    Key<T> k = proto_;
    k.spec_.key = name(member);
    k.spec_.description = substitute(description, member);
    k.default_ = std::move(default_value);
    k.finish();
    return k;
  }
  std::string name(std::string_view member) const { return substitute(proto_.spec_.key, member); }
  // The pattern as ConfigService stores an open family: "app.*".
  KeySpec open_spec() const {
    KeySpec s = proto_.spec_;
    s.key = name("*");
    return s;
  }
  const T& default_value() const { return proto_.default_; }

 private:
  static std::string substitute(std::string text, std::string_view member) {
    if (auto at = text.find("{}"); at != std::string::npos) text.replace(at, 2, member);
    return text;
  }
  Key<T> proto_;
};

}  // namespace sb::config
