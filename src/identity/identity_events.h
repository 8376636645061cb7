// The events identity appends (source "/switchboard/identity", subject = the
// user id), internal to identity/. Payloads hold ids, reasons and methods;
// never a password, code, token, hash or secret.
#pragma once

#include <string>

#include <boost/json/object.hpp>

#include "core/clock.h"
#include "events/event_type.h"

namespace sb::identity {

inline constexpr const char* kIdentitySource = "/switchboard/identity";

// Every event identity appends; the list components declare.
inline constexpr events::EventType kApiKeyCreated{kIdentitySource, "apikey.created", "An admin API key was created"};
inline constexpr events::EventType kApiKeyRevoked{kIdentitySource, "apikey.revoked", "An admin API key was revoked"};
inline constexpr events::EventType kKeyRotated{kIdentitySource, "identity.key_rotated", "The JWT signing key was rotated"};
inline constexpr events::EventType kSessionRevoked{kIdentitySource, "session.revoked", "A session was signed out, expired by logout-all, or its refresh token reused"};
inline constexpr events::EventType kUserEmailVerified{kIdentitySource, "user.email_verified", "A user proved they own their email address"};
inline constexpr events::EventType kUserLocked{kIdentitySource, "user.locked", "Too many failed logins locked the account for a while"};
inline constexpr events::EventType kUserLogin{kIdentitySource, "user.login", "A user signed in"};
inline constexpr events::EventType kUserLoginFailed{kIdentitySource, "user.login_failed", "A sign-in failed (wrong password or code)"};
inline constexpr events::EventType kUserMfaDisabled{kIdentitySource, "user.mfa_disabled", "TOTP was turned off"};
inline constexpr events::EventType kUserMfaEnabled{kIdentitySource, "user.mfa_enabled", "TOTP was enrolled and confirmed"};
inline constexpr events::EventType kUserPasswordReset{kIdentitySource, "user.password_reset", "A password was reset through an emailed link"};
inline constexpr events::EventType kUserPhoneRemoved{kIdentitySource, "user.phone_removed", "A phone number moved to the account that verified it"};
inline constexpr events::EventType kUserPhoneVerified{kIdentitySource, "user.phone_verified", "A user proved they own their phone number"};
inline constexpr events::EventType kUserRegistered{kIdentitySource, "user.registered", "An account was created"};
inline constexpr const events::EventType* kIdentityEventTypes[] = {
    &kApiKeyCreated,
    &kApiKeyRevoked,
    &kKeyRotated,
    &kSessionRevoked,
    &kUserEmailVerified,
    &kUserLocked,
    &kUserLogin,
    &kUserLoginFailed,
    &kUserMfaDisabled,
    &kUserMfaEnabled,
    &kUserPasswordReset,
    &kUserPhoneRemoved,
    &kUserPhoneVerified,
    &kUserRegistered,
};

}  // namespace sb::identity
