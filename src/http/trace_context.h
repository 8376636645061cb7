// W3C Trace Context (https://www.w3.org/TR/trace-context/): every request
// continues the caller's trace (a valid `traceparent` header) or starts a
// new one, and gets a span id of its own. The ids go to the access log and
// error lines, back to a caller that sent a traceparent in `traceresponse`,
// and (through
// traceparent()) to whatever the request calls next: gateway upstreams,
// webhooks, provider APIs — ready for a tracer to export later.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sb::http {

// Fixed-size ids: a request carries its context without a heap allocation.
struct TraceContext {
  std::array<char, 32> trace{};   // lowercase hex, never all zeros once set
  std::array<char, 16> parent{};  // the caller's span; valid when has_parent
  std::array<char, 16> span{};    // this request's span
  bool has_parent = false;        // the caller sent a valid traceparent
  uint8_t flags = 0;              // bit 0: sampled (kept from the caller)
  std::string tracestate;         // passed on unchanged (empty unless the caller sent one)

  bool valid() const { return trace[0] != 0; }
  std::string_view trace_id() const { return valid() ? std::string_view(trace.data(), 32) : std::string_view(); }
  std::string_view parent_id() const { return has_parent ? std::string_view(parent.data(), 16) : std::string_view(); }
  std::string_view span_id() const { return valid() ? std::string_view(span.data(), 16) : std::string_view(); }

  // "00-<trace_id>-<span_id>-<flags>": the header for calls made on behalf of
  // this request, and the value of `traceresponse`.
  std::string traceparent() const;
};

// The caller's context if `traceparent` is valid per the spec (version 00
// exactly; a later version's first four fields), else nullopt.
std::optional<TraceContext> parse_traceparent(std::string_view traceparent);

// Continues a valid `traceparent` or starts a trace; either way with a new span.
TraceContext continue_or_start(std::string_view traceparent, std::string_view tracestate);

}  // namespace sb::http
