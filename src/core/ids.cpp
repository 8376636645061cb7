#include "core/ids.h"

#include <cstring>
#include <mutex>
#include <random>

#include "core/clock.h"
#include "core/crypto.h"

namespace sb {

std::string new_uuid_v7(const Clock& clock) {
  // 48-bit ms timestamp, then a 12-bit counter in rand_a so ids minted in the
  // same millisecond still sort in creation order (RFC 9562 §6.2 method 1).
  static std::mutex mu;
  static uint64_t last_ms = 0;
  static uint16_t counter = 0;
  uint64_t ms = static_cast<uint64_t>(clock.now_ms());
  uint16_t seq;
  {
    std::lock_guard<std::mutex> lock(mu);
    if (ms <= last_ms) {
      ms = last_ms;
      if (++counter > 0x0fff) {  // counter overflow: borrow the next millisecond
        ++ms;
        counter = 0;
      }
    } else {
      counter = 0;
    }
    last_ms = ms;
    seq = counter;
  }
  // Ids are unique, not secret: a thread-local generator seeded from the
  // CSPRNG is enough, and ~20x cheaper than RAND_bytes per id.
  thread_local std::mt19937_64 rng = [] {
    std::string seed = crypto::random_bytes(8);
    uint64_t v;
    std::memcpy(&v, seed.data(), 8);
    return std::mt19937_64(v);
  }();
  uint64_t rv = rng();
  unsigned char r[8];
  std::memcpy(r, &rv, 8);
  unsigned char b[16];
  for (int i = 0; i < 6; ++i) b[i] = static_cast<unsigned char>(ms >> (40 - 8 * i));
  b[6] = static_cast<unsigned char>(0x70 | ((seq >> 8) & 0x0f));
  b[7] = static_cast<unsigned char>(seq & 0xff);
  for (int i = 0; i < 8; ++i) b[8 + i] = static_cast<unsigned char>(r[i]);
  b[8] = static_cast<unsigned char>(0x80 | (b[8] & 0x3f));
  static const char* kHex = "0123456789abcdef";
  char out[36];
  for (int i = 0, o = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out[o++] = '-';
    out[o++] = kHex[b[i] >> 4];
    out[o++] = kHex[b[i] & 15];
  }
  return std::string(out, 36);
}

std::string new_uuid_v7() { return new_uuid_v7(Clock::system()); }

}  // namespace sb
