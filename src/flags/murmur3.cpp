// Bytes are the UTF-8 of the id, as the Go, Java, Python, .NET SDKs and
// Unleash's Rust engine hash them. (The Node SDK's murmurhash3js hashes the
// low byte of each UTF-16 unit instead; the two agree on ASCII ids, which is
// what the client specification tests.)
#include "flags/murmur3.h"

namespace sb::flags {
namespace {

constexpr uint32_t kC1 = 0xcc9e2d51;
constexpr uint32_t kC2 = 0x1b873593;

inline uint32_t rotl(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }

inline uint32_t mix_k(uint32_t k) {
  k *= kC1;
  k = rotl(k, 15);
  return k * kC2;
}

}  // namespace

void Murmur3::update(std::string_view bytes) {
  len_ += static_cast<uint32_t>(bytes.size());
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const auto* end = p + bytes.size();
  while (p != end) {
    tail_ |= static_cast<uint32_t>(*p++) << (8 * tail_len_);
    if (++tail_len_ == 4) {
      h_ ^= mix_k(tail_);
      h_ = rotl(h_, 13);
      h_ = h_ * 5 + 0xe6546b64;
      tail_ = 0;
      tail_len_ = 0;
    }
  }
}

uint32_t Murmur3::finish() const {
  uint32_t h = h_;
  if (tail_len_ != 0) h ^= mix_k(tail_);
  h ^= len_;
  h ^= h >> 16;
  h *= 0x85ebca6b;
  h ^= h >> 13;
  h *= 0xc2b2ae35;
  h ^= h >> 16;
  return h;
}

}  // namespace sb::flags
