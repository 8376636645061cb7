// W3C Trace Context (https://www.w3.org/TR/trace-context/): every request
// continues the caller's trace (a valid `traceparent` header) or starts a
// new one, and gets a span id of its own. The ids go to the access log and
// error lines, back to the caller in `traceresponse`, and (through
// traceparent()) to whatever the request calls next: gateway upstreams,
// webhooks, provider APIs — ready for a tracer to export later.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sb::http {

struct TraceContext {
  std::string trace_id;   // 32 lowercase hex, never all zeros
  std::string parent_id;  // the caller's span (16 hex); empty when this request started the trace
  std::string span_id;    // this request's span (16 hex)
  uint8_t flags = 0;      // bit 0: sampled (kept from the caller)
  std::string tracestate; // passed on unchanged

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
