/* text.c: see text.h. */
#include "text.h"

#include <string.h>

bool
dbn_text_valid(const char *bytes, size_t len)
{
  const unsigned char *s = (const unsigned char *)bytes;
  size_t i = 0;
  while (i < len) {
    unsigned c = s[i];
    if (c < 0x80) {
      if (c == 0 || (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
        return false;
      i++;
      continue;
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
    } else
      return false;
    if (len - i < n)
      return false;
    for (size_t k = 1; k < n; k++) {
      if ((s[i + k] & 0xc0) != 0x80)
        return false;
      cp = (cp << 6) | (s[i + k] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
      return false;
    i += n;
  }
  return true;
}

size_t
dbn_text_decode(const char *str, unsigned *cp)
{
  const unsigned char *s = (const unsigned char *)str;
  if (s[0] < 0x80) {
    *cp = s[0];
    return 1;
  }
  if ((s[0] & 0xe0) == 0xc0 && s[1]) {
    *cp = ((s[0] & 0x1fu) << 6) | (s[1] & 0x3fu);
    return 2;
  }
  if ((s[0] & 0xf0) == 0xe0 && s[1] && s[2]) {
    *cp = ((s[0] & 0x0fu) << 12) | ((s[1] & 0x3fu) << 6) | (s[2] & 0x3fu);
    return 3;
  }
  if ((s[0] & 0xf8) == 0xf0 && s[1] && s[2] && s[3]) {
    *cp = ((s[0] & 0x07u) << 18) | ((s[1] & 0x3fu) << 12) | ((s[2] & 0x3fu) << 6) | (s[3] & 0x3fu);
    return 4;
  }
  *cp = 0xfffd; /* not valid UTF-8: show a replacement, move one byte */
  return 1;
}

int
dbn_text_cp_width(unsigned cp)
{
  if (cp == 0)
    return 0;
  if ((cp >= 0x0300 && cp <= 0x036f) || (cp >= 0x200b && cp <= 0x200f) || (cp >= 0xfe00 && cp <= 0xfe0f))
    return 0;
  /* East Asian Wide (W) and Fullwidth (F) blocks, from Unicode's
   * EastAsianWidth.txt, folded into ranges. */
  if ((cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0x303e) || (cp >= 0x3041 && cp <= 0x33ff) ||
      (cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0xa000 && cp <= 0xa4cf) ||
      (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0xfe30 && cp <= 0xfe4f) ||
      (cp >= 0xff00 && cp <= 0xff60) || (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1f64f) ||
      (cp >= 0x1f900 && cp <= 0x1f9ff) || (cp >= 0x20000 && cp <= 0x3fffd))
    return 2;
  return 1;
}

int
dbn_text_width(const char *s)
{
  int width = 0;
  while (*s) {
    unsigned cp;
    s += dbn_text_decode(s, &cp);
    width += dbn_text_cp_width(cp);
  }
  return width;
}

void
dbn_text_print_cell(FILE *out, const char *s, int width)
{
  int total = dbn_text_width(s);
  if (total <= width) {
    fputs(s, out);
    for (int i = total; i < width; i++)
      fputc(' ', out);
    return;
  }
  /* Cut: keep characters while they fit in width-1 columns, then "…". */
  int used = 0;
  while (*s) {
    unsigned cp;
    size_t n = dbn_text_decode(s, &cp);
    int w = dbn_text_cp_width(cp);
    if (used + w > width - 1)
      break;
    fwrite(s, 1, n, out);
    used += w;
    s += n;
  }
  if (width > 0) {
    fputs("…", out);
    used++;
  }
  for (; used < width; used++)
    fputc(' ', out);
}
