/* utf8.c: see utf8.h. */
#include "utf8.h"

#include <string.h>

size_t
dbn_utf8_next(const char *bytes, size_t len, unsigned *cp_p)
{
  const unsigned char *s = (const unsigned char *)bytes;
  if (len == 0)
    return 0;
  unsigned c = s[0];
  if (c < 0x80) {
    *cp_p = c;
    return 1;
  }
  size_t n;
  unsigned cp, min;
  if ((c & 0xe0) == 0xc0) {
    n = 2;
    cp = c & 0x1f;
    min = 0x80;
  } else if ((c & 0xf0) == 0xe0) {
    n = 3;
    cp = c & 0x0f;
    min = 0x800;
  } else if ((c & 0xf8) == 0xf0) {
    n = 4;
    cp = c & 0x07;
    min = 0x10000;
  } else {
    return 0;
  }
  if (len < n)
    return 0;
  for (size_t k = 1; k < n; k++) {
    if ((s[k] & 0xc0) != 0x80)
      return 0;
    cp = (cp << 6) | (s[k] & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
    return 0;
  *cp_p = cp;
  return n;
}

size_t
dbn_utf8_first_refused(const char *bytes, size_t len, bool (*refuse)(unsigned cp))
{
  size_t at = 0;
  while (at < len) {
    unsigned cp;
    size_t step = dbn_utf8_next(bytes + at, len - at, &cp);
    if (step == 0 || (refuse && refuse(cp)))
      return at;
    at += step;
  }
  return len;
}

bool
dbn_utf8_valid(const char *bytes, size_t len)
{
  return dbn_utf8_first_refused(bytes, len, NULL) == len;
}

size_t
dbn_utf8_decode(const char *s, unsigned *cp_p)
{
  /* At most 4 bytes are looked at, and a NUL ends the string first: it is
   * never a continuation byte. */
  size_t avail = strnlen(s, 4);
  size_t n = dbn_utf8_next(s, avail, cp_p);
  if (n == 0) {
    *cp_p = 0xfffd; /* not valid UTF-8: show a replacement, move one byte */
    return 1;
  }
  return n;
}
