#include "http/trace_context.h"

#include <algorithm>
#include <random>

namespace sb::http {

namespace {

bool lower_hex(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

bool all_zero(std::string_view s) { return s.find_first_not_of('0') == std::string_view::npos; }

int hex_value(char c) { return c <= '9' ? c - '0' : c - 'a' + 10; }

// Span and trace ids need uniqueness, not secrecy: a per-thread 64-bit
// generator seeded once costs a few ns instead of a getrandom() call.
template <size_t N>
void fill_random_hex(std::array<char, N>& out) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  do {
    for (size_t i = 0; i < N;) {
      uint64_t r = rng();
      for (int k = 0; k < 16 && i < N; ++k, r >>= 4) out[i++] = kHex[r & 0xf];
    }
  } while (all_zero(std::string_view(out.data(), N)));
}

}  // namespace

std::string TraceContext::traceparent() const {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "00-";
  out.append(trace.data(), trace.size());
  out += '-';
  out.append(span.data(), span.size());
  out += '-';
  out += kHex[flags >> 4];
  out += kHex[flags & 0xf];
  return out;
}

std::optional<TraceContext> parse_traceparent(std::string_view h) {
  // version "-" trace-id "-" parent-id "-" flags: 2+1+32+1+16+1+2 = 55
  if (h.size() < 55 || h[2] != '-' || h[35] != '-' || h[52] != '-') return std::nullopt;
  std::string_view version = h.substr(0, 2), trace = h.substr(3, 32), parent = h.substr(36, 16),
                   flags = h.substr(53, 2);
  if (!lower_hex(version) || version == "ff") return std::nullopt;
  // Version 00 is exactly 55 characters; a later version may append fields
  // after a '-', and its first four are read as version 00's.
  if (version == "00" ? h.size() != 55 : (h.size() > 55 && h[55] != '-')) return std::nullopt;
  if (!lower_hex(trace) || all_zero(trace) || !lower_hex(parent) || all_zero(parent) || !lower_hex(flags))
    return std::nullopt;
  TraceContext t;
  std::copy(trace.begin(), trace.end(), t.trace.begin());
  std::copy(parent.begin(), parent.end(), t.parent.begin());
  t.has_parent = true;
  t.flags = static_cast<uint8_t>(hex_value(flags[0]) * 16 + hex_value(flags[1]));
  if (version != "00") t.flags &= 0x01;  // only the flags version 00 defines
  return t;
}

TraceContext continue_or_start(std::string_view traceparent, std::string_view tracestate) {
  TraceContext t;
  if (auto caller = parse_traceparent(traceparent)) {
    t = std::move(*caller);
    t.tracestate = tracestate;
  } else {
    fill_random_hex(t.trace);
  }
  fill_random_hex(t.span);
  return t;
}

}  // namespace sb::http
