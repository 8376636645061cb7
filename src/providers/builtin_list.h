// The built-in providers, one line each. Adding a provider is one file plus
// one line here: SB_EMAIL_PROVIDER(foo) expects
//   Factory<EmailSender> sb::providers::email::foo_factory(const ProviderEnv&)
// defined in providers/email/foo_email.cpp (SB_SMS_PROVIDER likewise under
// sms::, in providers/sms/foo_sms.cpp; SB_PUSH_PROVIDER under push::, in
// providers/push/foo_push.cpp; SB_WHATSAPP_PROVIDER under whatsapp::, in
// providers/whatsapp/foo_whatsapp.cpp). Included only by builtin.cpp, which
// defines the four macros; no include guard on purpose.
// The discard providers of every channel live together in
// providers/discard.cpp.

SB_EMAIL_PROVIDER(console)
SB_EMAIL_PROVIDER(smtp)
SB_EMAIL_PROVIDER(sendgrid)
SB_EMAIL_PROVIDER(mailgun)
SB_EMAIL_PROVIDER(ses)
SB_EMAIL_PROVIDER(discard)

SB_SMS_PROVIDER(console)
SB_SMS_PROVIDER(twilio)
SB_SMS_PROVIDER(webhook)
SB_SMS_PROVIDER(sns)
SB_SMS_PROVIDER(vonage)
SB_SMS_PROVIDER(discard)

SB_PUSH_PROVIDER(console)
SB_PUSH_PROVIDER(webpush)
SB_PUSH_PROVIDER(fcm)
SB_PUSH_PROVIDER(apns)
SB_PUSH_PROVIDER(discard)

SB_WHATSAPP_PROVIDER(console)
SB_WHATSAPP_PROVIDER(meta)
SB_WHATSAPP_PROVIDER(twilio)
SB_WHATSAPP_PROVIDER(discard)
