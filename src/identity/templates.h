// identity/templates — the texts of the SMS and emails identity sends, with
// `{name}` placeholders filled in at send time. Operators set them through
// identity.templates.* (api/identity_setup.cpp); the defaults below are the
// built-in English texts.
//
// Placeholders, by template (any other `{x}`, or one a template does not
// support, is left in the text as is):
//
//   otp_sms                 {code} (required) {product} {minutes}
//   verify_email_subject    {product} {minutes} {expires}
//   reset_email_subject     {product} {minutes} {expires}
//   verify_email_text       {link} and/or {token} (one required) {product} {minutes} {expires}
//   reset_email_text        {link} and/or {token} (one required) {product} {minutes} {expires}
//
//   {code}     the phone OTP digits
//   {link}     public_url + "/verify-email?token=…" or "/reset-password?token=…"
//   {token}    the bare link token (for apps that take it by hand)
//   {product}  AuthOptions::product_name
//   {minutes}  the code's or link's lifetime in whole minutes (at least 1)
//   {expires}  the same lifetime as words: "24 hours" when a whole number of
//              hours, else "N minutes" (what the default emails say)
//
// Subjects never get {code}, {link} or {token}: secrets stay out of the
// headers that mail servers log.
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace sb::identity {

inline constexpr const char* kDefaultOtpSms =
    "Your {product} code is {code}. It expires in {minutes} min. Do not share it.";
inline constexpr const char* kDefaultVerifyEmailSubject = "{product}: verify your email address";
inline constexpr const char* kDefaultVerifyEmailText =
    "Open this link to verify your email address for {product}:\n\n{link}\n\nor enter this token: {token}\n\n"
    "The link expires in {expires}. If you did not sign up, ignore this email.\n";
inline constexpr const char* kDefaultResetEmailSubject = "{product}: reset your password";
inline constexpr const char* kDefaultResetEmailText =
    "Open this link to choose a new password for {product}:\n\n{link}\n\nor enter this token: {token}\n\n"
    "The link expires in {expires} and works once. If you did not ask for it, ignore this email; your "
    "password is unchanged.\n";

// name (without braces) → value.
using TemplateValues = std::vector<std::pair<std::string_view, std::string>>;

// Replaces each `{name}` whose name is in `values`, in one left-to-right
// pass: substituted text is never scanned again, so a value containing
// "{code}" stays literal. Everything else is copied as is.
std::string render_template(std::string_view text, const TemplateValues& values);

// True when `text` contains `{name}`.
bool has_placeholder(std::string_view text, std::string_view name);

// The required-placeholder rules above: nullopt when `text` satisfies them,
// else the message config and AuthService::create report.
std::optional<std::string> check_sms_template(std::string_view text);    // needs {code}
std::optional<std::string> check_email_template(std::string_view text);  // needs {link} or {token}

// Lifetime as the emails phrase it ("24 hours", "30 minutes").
std::string duration_text(int64_t ms);

}  // namespace sb::identity
