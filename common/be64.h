/* be64.h: big-endian uint64, the byte order of every key and counter duban
 * stores (sequence numbers sort as bytes in LMDB the way they sort as
 * numbers). The one codec; header-only so the hot paths inline it. */
#ifndef DUBAN_BE64_H
#define DUBAN_BE64_H

#include <stdint.h>

static inline void
dbn_be64_put(uint8_t out[8], uint64_t value)
{
  for (int i = 7; i >= 0; i--) {
    out[i] = (uint8_t)(value & 0xff);
    value >>= 8;
  }
}

static inline uint64_t
dbn_be64_get(const uint8_t in[8])
{
  uint64_t value = 0;
  for (int i = 0; i < 8; i++)
    value = (value << 8) | in[i];
  return value;
}

#endif
