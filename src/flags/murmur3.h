// MurmurHash3 x86_32, the hash every Unleash SDK buckets users with:
// normalised value = hash("groupId:id", seed) % n + 1. Incremental, so a
// compiled strategy hashes its "groupId:" prefix once and each evaluation
// only continues from that state (no string is built per call).
#pragma once

#include <cstdint>
#include <string_view>

namespace sb::flags {

class Murmur3 {
 public:
  explicit Murmur3(uint32_t seed) : h_(seed) {}
  void update(std::string_view bytes);
  uint32_t finish() const;

 private:
  uint32_t h_;
  uint32_t tail_ = 0;     // bytes not yet forming a 4-byte block, little-endian
  uint32_t tail_len_ = 0;
  uint32_t len_ = 0;
};

inline uint32_t murmur3_x86_32(std::string_view bytes, uint32_t seed) {
  Murmur3 m(seed);
  m.update(bytes);
  return m.finish();
}

// Unleash's seeds: 0 for strategies (normaliser 100), 86028157 for variants
// (normaliser = the variants' total weight, 1000 for a server's document).
constexpr uint32_t kStrategySeed = 0;
constexpr uint32_t kVariantSeed = 86028157;

// `group` continues from the state after "groupId:".
inline uint32_t normalized(Murmur3 group, std::string_view id, uint32_t normalizer) {
  group.update(id);
  return group.finish() % normalizer + 1;
}

}  // namespace sb::flags
