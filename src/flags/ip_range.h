// IPv4/IPv6 addresses and CIDR ranges for the remoteAddress strategy and the
// IN_CIDR operator. An address without a prefix is a range of one.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace sb::flags {

struct IpRange {
  bool v6 = false;
  std::array<uint8_t, 16> bytes{};  // IPv4 in the first 4
  uint8_t prefix = 0;               // bits; 32 or 128 for a single address

  // "a.b.c.d", "a.b.c.d/n", IPv6 text (with "::" and a dotted IPv4 tail), "…/n".
  static bool parse(std::string_view text, IpRange& out);
  // Whether the address `a` (its prefix is ignored) lies in this range; an
  // IPv4 address is never in an IPv6 range nor the reverse.
  bool contains(const IpRange& a) const;
};

}  // namespace sb::flags
