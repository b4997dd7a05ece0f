/* text.c: see text.h. */
#include "text.h"

#include <string.h>

#include "utf8.h"

/* What a person may not type: NUL, control characters other than tab and
 * line ends, and DEL. */
static bool
is_refused_control(unsigned cp)
{
  return cp == 0 || (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || cp == 0x7f;
}

bool
dbn_text_valid(const char *bytes, size_t len)
{
  return dbn_utf8_first_refused(bytes, len, is_refused_control) == len;
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
    s += dbn_utf8_decode(s, &cp);
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
    size_t n = dbn_utf8_decode(s, &cp);
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
