// Registry<Sender> — the runtime-switchable part of composition (DESIGN.md
// "Composition instead of a string-keyed container"): factories registered by
// name for one channel ("email" or "sms"), each with a description and the
// config keys it reads. Registration declares those keys to ConfigService, so
// "email.sendgrid.api_key" is typed, defaulted and marked secret before any
// value is loaded. A duplicate name fails; an unknown name is NotFound naming
// it; list() feeds the admin API and the validation of `<channel>.providers`.
//
// Built-in providers are registered in providers/builtin.cpp from the one-line
// entries of providers/builtin_list.h.
//
// Thread-safe: add/create/list may run concurrently (create runs the factory
// outside the lock).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/result.h"

namespace sb::providers {

template <typename Sender>
struct Factory {
  std::string name;  // short name used in `<channel>.providers`, e.g. "sendgrid"
  std::string description;
  std::vector<config::KeySpec> keys;  // each under "<channel>.<name>."
  // Builds a sender from the current configuration; InvalidArgument naming the
  // key when a required setting is missing or bad.
  std::function<Result<std::unique_ptr<Sender>>(const config::ConfigService&)> create;
};

template <typename Sender>
class Registry {
 public:
  // `config` receives the factories' key declarations; it must outlive this.
  Registry(std::string channel, config::ConfigService& config)
      : channel_(std::move(channel)), config_(config) {}

  // AlreadyExists on a duplicate name; InvalidArgument on a bad name or a key
  // outside "<channel>.<name>.".
  Status add(Factory<Sender> f) {
    if (f.name.empty() || f.name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_-") !=
                              std::string::npos)
      return Status::invalid("name", "provider names are lowercase letters, digits, '_' and '-'");
    if (!f.create) return Status::invalid("create", "factory " + f.name + " has no create function");
    const std::string prefix = channel_ + "." + f.name + ".";
    for (const auto& k : f.keys)
      if (k.key.compare(0, prefix.size(), prefix) != 0)
        return Status::invalid(k.key, "keys of provider " + f.name + " must start with " + prefix);
    std::lock_guard lock(mu_);
    if (factories_.count(f.name))
      return Status::already_exists(channel_ + " provider \"" + f.name + "\" is already registered");
    for (const auto& k : f.keys) config_.declare(k);
    std::string name = f.name;
    factories_.emplace(std::move(name), std::move(f));
    return {};
  }

  bool contains(const std::string& name) const {
    std::lock_guard lock(mu_);
    return factories_.count(name) != 0;
  }

  // Sorted names.
  std::vector<std::string> list() const {
    std::lock_guard lock(mu_);
    std::vector<std::string> out;
    for (const auto& [name, _] : factories_) out.push_back(name);
    return out;
  }

  std::string description(const std::string& name) const {
    std::lock_guard lock(mu_);
    auto it = factories_.find(name);
    return it == factories_.end() ? std::string() : it->second.description;
  }

  // NotFound naming `name` (and what is registered) if unknown; else the factory's result.
  Result<std::unique_ptr<Sender>> create(const std::string& name,
                                         const config::ConfigService& config) const {
    decltype(Factory<Sender>::create) fn;
    {
      std::lock_guard lock(mu_);
      auto it = factories_.find(name);
      if (it == factories_.end()) return Status::not_found(unknown_message_locked(name));
      fn = it->second.create;
    }
    return fn(config);
  }

  // "unknown email provider \"x\" (registered: a, b)".
  std::string unknown_message(const std::string& name) const {
    std::lock_guard lock(mu_);
    return unknown_message_locked(name);
  }

  const std::string& channel() const { return channel_; }

 private:
  std::string unknown_message_locked(const std::string& name) const {
    std::string m = "unknown " + channel_ + " provider \"" + name + "\" (registered:";
    const char* sep = " ";
    for (const auto& [n, _] : factories_) {
      m += sep + n;
      sep = ", ";
    }
    return m + ")";
  }

  // Immutable after construction.
  const std::string channel_;
  config::ConfigService& config_;

  mutable std::mutex mu_;
  std::map<std::string, Factory<Sender>> factories_;  // guarded by mu_
};

}  // namespace sb::providers
