/* plan_import.c: see plan_import.h.
 *
 * How it reads a document. The bytes are checked and converted to UTF-8,
 * then decoded into code points twice over: as typed (for every text that
 * goes into the plan, so that the plan quotes the document exactly) and
 * normalized (full-width digits, letters and punctuation folded to ASCII,
 * every kind of space to ' ', every dash to '—'), which is what the parser
 * looks at. The two arrays run in parallel, so a position found in one is a
 * position in the other.
 *
 * Each line is then classified (section 一、, measure （一）, item 1. or （1）
 * or ①, the 具体落实举措 marker, a line of units, the 抄送 footer, or plain
 * text) and a small state machine builds sections → measures → actions.
 * Units, deadlines and targets are resolved only once the whole document is
 * read, because the plan's horizon (which undated actions inherit) and the
 * canonical name of each unit (the first spelling seen) depend on all of it.
 *
 * Everything the parser is unsure of goes into the report with its line;
 * nothing is dropped or guessed without a report entry. */
#include "plan_import.h"

#include <errno.h>
#include <iconv.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "wire.h"

/* ---- small containers ------------------------------------------------- */

typedef struct {
  char **v;
  size_t len, cap;
} strvec;

/* Text in code points, as typed (o) and normalized (n), in parallel. */
typedef struct {
  uint32_t *o;
  uint32_t *n;
  size_t len, cap;
} cpbuf;

typedef struct {
  int y, m, d;
} ymd;

typedef struct {
  char *number; /* as numbered in the document; NULL = unnumbered */
  cpbuf text;
  int line;
  char *owner;       /* raw unit name from the item; NULL = the measure's lead */
  strvec lead, coop; /* units labelled on the item itself (a format variant) */
  bool closed;       /* an owner was given: a further paragraph is not ours */
  bool style_set;    /* numbering style of sub-items */
} action_t;

typedef struct {
  char *number;
  cpbuf text;
  int line;
  strvec lead, coop;
  bool units_seen; /* the heading (or a units line) named units */
  bool in_actions; /* 具体落实举措 seen, or an item started */
  int item_style;  /* 0 none, 1 "1.", 2 "（1）", 3 "①": other styles are sub-items */
  bool synthesized;
  action_t *a;
  size_t na, capa;
} measure_t;

typedef struct {
  char *number;
  char *title;
  size_t title_a, title_b; /* the title's place in the document */
  int line;
  measure_t *m;
  size_t nm, capm;
} section_t;

typedef struct {
  char *name; /* canonical */
  char *code; /* NULL until codes are assigned */
  strvec aliases;
  bool from_file;
} unit_t;

typedef struct {
  size_t start, end; /* trimmed, in code points of the document */
  int no;            /* 1-based line number */
} line_t;

typedef struct {
  ymd due;
  size_t pos;
} date_hit;

typedef struct {
  const dbn_plan_import_options_t *opt;
  cJSON *report;
  int err;         /* first allocation failure, sticky */
  uint32_t *o, *n; /* the whole document, as typed and normalized */
  size_t len;
  line_t *lines;
  size_t nlines;
  section_t *s;
  size_t ns, caps;
  unit_t *u;
  size_t nu, capu;
  ymd issued;
  bool have_issued;
  ymd horizon;
  char *document; /* 鄂府发〔2023〕58号, or NULL */
  char *title;
  char *id;
  int last_item; /* last item number, for "1.2023年…" */
} imp_t;

static void report_add(imp_t *c, int line, const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
report_add(imp_t *c, int line, const char *kind, const char *fmt, ...)
{
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  cJSON *item = cJSON_CreateObject();
  if (!item || !cJSON_AddNumberToObject(item, "line", line) || !cJSON_AddStringToObject(item, "kind", kind) ||
      !cJSON_AddStringToObject(item, "message", msg)) {
    cJSON_Delete(item);
    c->err = DBN_ENOMEM;
    return;
  }
  cJSON_AddItemToArray(c->report, item);
}

static bool
grow(imp_t *c, void **p, size_t *cap, size_t need, size_t elem)
{
  if (need <= *cap)
    return true;
  size_t ncap = *cap ? *cap * 2 : 8;
  while (ncap < need)
    ncap *= 2;
  void *np = realloc(*p, ncap * elem);
  if (!np) {
    c->err = DBN_ENOMEM;
    return false;
  }
  memset((char *)np + *cap * elem, 0, (ncap - *cap) * elem);
  *p = np;
  *cap = ncap;
  return true;
}

static char *
dup_str(imp_t *c, const char *s)
{
  char *d = strdup(s);
  if (!d)
    c->err = DBN_ENOMEM;
  return d;
}

static void
strvec_push(imp_t *c, strvec *v, char *s)
{
  if (!s)
    return;
  if (!grow(c, (void **)&v->v, &v->cap, v->len + 1, sizeof *v->v)) {
    free(s);
    return;
  }
  v->v[v->len++] = s;
}

static bool
strvec_has(const strvec *v, const char *s)
{
  for (size_t i = 0; i < v->len; i++)
    if (strcmp(v->v[i], s) == 0)
      return true;
  return false;
}

static void
strvec_free(strvec *v)
{
  for (size_t i = 0; i < v->len; i++)
    free(v->v[i]);
  free(v->v);
  v->v = NULL;
  v->len = v->cap = 0;
}

static void
cpbuf_append(imp_t *c, cpbuf *b, const uint32_t *o, const uint32_t *n, size_t len)
{
  if (len == 0)
    return;
  size_t need = b->len + len;
  if (need > b->cap) {
    size_t ncap = b->cap ? b->cap * 2 : 64;
    while (ncap < need)
      ncap *= 2;
    uint32_t *no = realloc(b->o, ncap * sizeof *no);
    if (!no) {
      c->err = DBN_ENOMEM;
      return;
    }
    b->o = no;
    uint32_t *nn = realloc(b->n, ncap * sizeof *nn);
    if (!nn) {
      c->err = DBN_ENOMEM;
      return;
    }
    b->n = nn;
    b->cap = ncap;
  }
  memcpy(b->o + b->len, o, len * sizeof *o);
  memcpy(b->n + b->len, n, len * sizeof *n);
  b->len += len;
}

static void
cpbuf_free(cpbuf *b)
{
  free(b->o);
  free(b->n);
  memset(b, 0, sizeof *b);
}

/* ---- code points ---------------------------------------------------------- */

/* Decode one code point from a literal in this file (valid UTF-8). */
static size_t
lit_get(const unsigned char *p, uint32_t *cp)
{
  if (p[0] < 0x80) {
    *cp = p[0];
    return 1;
  }
  if ((p[0] & 0xe0) == 0xc0) {
    *cp = ((p[0] & 0x1fu) << 6) | (p[1] & 0x3fu);
    return 2;
  }
  if ((p[0] & 0xf0) == 0xe0) {
    *cp = ((p[0] & 0x0fu) << 12) | ((p[1] & 0x3fu) << 6) | (p[2] & 0x3fu);
    return 3;
  }
  *cp = ((p[0] & 0x07u) << 18) | ((p[1] & 0x3fu) << 12) | ((p[2] & 0x3fu) << 6) | (p[3] & 0x3fu);
  return 4;
}

static size_t
lit_len(const char *lit)
{
  size_t n = 0;
  uint32_t cp;
  for (const unsigned char *p = (const unsigned char *)lit; *p; p += lit_get(p, &cp))
    n++;
  return n;
}

/* Length of lit if s[i..end) starts with it, else 0. */
static size_t
lit_at(const uint32_t *s, size_t i, size_t end, const char *lit)
{
  size_t k = i;
  const unsigned char *p = (const unsigned char *)lit;
  while (*p) {
    uint32_t cp;
    p += lit_get(p, &cp);
    if (k >= end || s[k] != cp)
      return 0;
    k++;
  }
  return k - i;
}

static bool
lit_ends(const uint32_t *s, size_t a, size_t b, const char *lit)
{
  size_t n = lit_len(lit);
  return b - a >= n && lit_at(s, b - n, b, lit) == n;
}

static size_t
lit_find(const uint32_t *s, size_t a, size_t b, const char *lit)
{
  for (size_t i = a; i < b; i++)
    if (lit_at(s, i, b, lit))
      return i;
  return SIZE_MAX;
}

static bool
cp_in(uint32_t cp, const char *set)
{
  uint32_t x;
  for (const unsigned char *p = (const unsigned char *)set; *p;) {
    p += lit_get(p, &x);
    if (x == cp)
      return true;
  }
  return false;
}

static bool
is_digit(uint32_t c)
{
  return c >= '0' && c <= '9';
}

static bool
is_alpha(uint32_t c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

#define DASH 0x2014u /* every dash and tilde normalizes to — */

static uint32_t
normalize(uint32_t c)
{
  if (c >= 0xff01 && c <= 0xff5e)
    c -= 0xfee0; /* full-width ASCII */
  if (c == 0x3000 || c == 0xa0 || c == '\t' || c == '\f' || c == '\v' || (c >= 0x2000 && c <= 0x200b) ||
      c == 0xfeff)
    return ' ';
  if (c == '~' || c == 0x2013 || c == 0x2015 || c == 0x2012 || c == 0x2212 || c == 0xfe58 || c == 0x2e3a ||
      c == 0x301c)
    return DASH;
  if (c == 0xff61)
    return 0x3002; /* half-width 。 */
  if (c == 0xff64)
    return 0x3001; /* half-width 、 */
  return c;
}

/* Chinese numerals up to 九十九 (sections and measures never need more). */
static int
cn_digit(uint32_t c)
{
  static const char digits[] = "零一二三四五六七八九";
  uint32_t x;
  int v = 0;
  for (const unsigned char *p = (const unsigned char *)digits; *p; v++) {
    p += lit_get(p, &x);
    if (x == c)
      return v;
  }
  if (c == 0x3007) /* 〇 */
    return 0;
  if (c == 0x4e24) /* 两 */
    return 2;
  return -1;
}

static bool
is_cn_numeral(uint32_t c)
{
  return cn_digit(c) >= 0 || c == 0x5341 /* 十 */ || c == 0x767e /* 百 */;
}

static int
cn_value(const uint32_t *s, size_t a, size_t b)
{
  int total = 0, cur = -1;
  for (size_t i = a; i < b; i++) {
    if (s[i] == 0x5341) { /* 十 */
      total += (cur < 0 ? 1 : cur) * 10;
      cur = -1;
    } else if (s[i] == 0x767e) { /* 百 */
      total += (cur < 0 ? 1 : cur) * 100;
      cur = -1;
    } else {
      int d = cn_digit(s[i]);
      if (d < 0)
        return -1;
      if (cur >= 0)
        cur = cur * 10 + d; /* 二〇二三 style */
      else
        cur = d;
    }
  }
  if (cur >= 0)
    total += cur;
  return total;
}

static char *
encode(imp_t *c, const uint32_t *o, size_t a, size_t b)
{
  char *out = malloc((b - a) * 4 + 1);
  if (!out) {
    c->err = DBN_ENOMEM;
    return NULL;
  }
  size_t k = 0;
  for (size_t i = a; i < b; i++) {
    uint32_t cp = o[i];
    if (cp < 0x80) {
      out[k++] = (char)cp;
    } else if (cp < 0x800) {
      out[k++] = (char)(0xc0 | (cp >> 6));
      out[k++] = (char)(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      out[k++] = (char)(0xe0 | (cp >> 12));
      out[k++] = (char)(0x80 | ((cp >> 6) & 0x3f));
      out[k++] = (char)(0x80 | (cp & 0x3f));
    } else {
      out[k++] = (char)(0xf0 | (cp >> 18));
      out[k++] = (char)(0x80 | ((cp >> 12) & 0x3f));
      out[k++] = (char)(0x80 | ((cp >> 6) & 0x3f));
      out[k++] = (char)(0x80 | (cp & 0x3f));
    }
  }
  out[k] = '\0';
  return out;
}

/* A string over the wire limit is cut at a character boundary, with the
 * cut reported: a plan that cannot be loaded helps nobody. */
static char *
encode_limited(imp_t *c, const uint32_t *o, size_t a, size_t b, int line, const char *what)
{
  char *s = encode(c, o, a, b);
  if (s && strlen(s) > DBN_MAX_TEXT) {
    size_t cut = DBN_MAX_TEXT - 3;
    while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
      cut--;
    memcpy(s + cut, "\xe2\x80\xa6", 4); /* … */
    report_add(c, line, "limit", "%s is longer than %d bytes: cut", what, DBN_MAX_TEXT);
  }
  return s;
}

static bool
is_space(uint32_t c)
{
  return c == ' ' || c == '\r';
}

static void
trim(const uint32_t *n, size_t *a, size_t *b)
{
  while (*a < *b && is_space(n[*a]))
    (*a)++;
  while (*b > *a && is_space(n[*b - 1]))
    (*b)--;
}

/* ---- input: encoding and lines ------------------------------------------- */

/* Strict UTF-8 check; NUL and controls are judged later. Returns the offset
 * of the first bad byte, or len. */
static size_t
utf8_bad_at(const unsigned char *s, size_t len)
{
  size_t i = 0;
  while (i < len) {
    unsigned ch = s[i];
    if (ch < 0x80) {
      i++;
      continue;
    }
    size_t n;
    uint32_t cp, min;
    if ((ch & 0xe0) == 0xc0) {
      n = 2;
      cp = ch & 0x1f;
      min = 0x80;
    } else if ((ch & 0xf0) == 0xe0) {
      n = 3;
      cp = ch & 0x0f;
      min = 0x800;
    } else if ((ch & 0xf8) == 0xf0) {
      n = 4;
      cp = ch & 0x07;
      min = 0x10000;
    } else
      return i;
    if (len - i < n)
      return i;
    for (size_t k = 1; k < n; k++) {
      if ((s[i + k] & 0xc0) != 0x80)
        return i;
      cp = (cp << 6) | (s[i + k] & 0x3fu);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
      return i;
    i += n;
  }
  return len;
}

static int
line_of_offset(const char *bytes, size_t off)
{
  int line = 1;
  for (size_t i = 0; i < off; i++)
    if (bytes[i] == '\n')
      line++;
  return line;
}

/* Convert with iconv into a new malloc'd UTF-8 buffer. */
static int
convert(const char *from, const char *in, size_t len, char **out_p, size_t *out_len, size_t *bad_off)
{
  iconv_t cd = iconv_open("UTF-8", from);
  if (cd == (iconv_t)-1)
    return DBN_EINVAL;
  size_t cap = len * 2 + 16;
  char *out = malloc(cap);
  if (!out) {
    iconv_close(cd);
    return DBN_ENOMEM;
  }
  char *ip = (char *)in; /* iconv's prototype is not const-correct */
  size_t ileft = len, used = 0;
  int rc = 0;
  while (ileft > 0) {
    char *op = out + used;
    size_t oleft = cap - used;
    size_t r = iconv(cd, &ip, &ileft, &op, &oleft);
    used = (size_t)(op - out);
    if (r != (size_t)-1)
      break;
    if (errno == E2BIG) {
      char *bigger = realloc(out, cap * 2);
      if (!bigger) {
        rc = DBN_ENOMEM;
        break;
      }
      out = bigger;
      cap *= 2;
      continue;
    }
    *bad_off = (size_t)(ip - in);
    rc = DBN_EINVAL;
    break;
  }
  iconv_close(cd);
  if (rc) {
    free(out);
    return rc;
  }
  *out_p = out;
  *out_len = used;
  return 0;
}

/* GB18030 maps almost every byte sequence to something, so a successful
 * conversion alone does not prove the file was GB18030: text in another
 * legacy encoding, or binary junk, comes out as rare characters, private
 * use and controls. Real GB18030/GBK documents are common CJK, ASCII and
 * CJK punctuation. */
static bool
looks_like_text(const uint32_t *o, size_t len)
{
  size_t odd = 0, total = 0;
  for (size_t i = 0; i < len; i++) {
    uint32_t cp = o[i];
    if (cp == '\n' || cp == '\r' || cp == ' ')
      continue;
    total++;
    bool common = (cp >= 0x20 && cp < 0x7f) || (cp >= 0x4e00 && cp <= 0x9fff) ||
                  (cp >= 0x3000 && cp <= 0x303f) || (cp >= 0xff00 && cp <= 0xffef) ||
                  (cp >= 0x2000 && cp <= 0x206f) || cp == '\t' || (cp >= 0x2460 && cp <= 0x24ff) ||
                  cp == 0xb7 || cp == 0xd7;
    if (!common)
      odd++;
  }
  return total == 0 || odd * 20 <= total;
}

/* Decode UTF-8 into the two code point arrays. */
static int
decode(imp_t *c, const char *s, size_t len)
{
  c->o = malloc((len + 1) * sizeof *c->o);
  c->n = malloc((len + 1) * sizeof *c->n);
  if (!c->o || !c->n)
    return DBN_ENOMEM;
  size_t k = 0, i = 0;
  while (i < len) {
    uint32_t cp;
    i += lit_get((const unsigned char *)s + i, &cp);
    c->o[k++] = cp;
  }
  c->len = k;
  return 0;
}

static int
read_input(imp_t *c, const char *bytes, size_t len, char *why, size_t why_len)
{
  char *converted = NULL;
  size_t clen = 0;
  const char *s = bytes;
  int rc;

  if (len >= 3 && memcmp(bytes, "\xef\xbb\xbf", 3) == 0) {
    s += 3;
    len -= 3;
  }
  if (len >= 2 && ((unsigned char)s[0] == 0xff || (unsigned char)s[0] == 0xfe) &&
      ((unsigned char)s[1] ^ (unsigned char)s[0]) == 0x01) {
    size_t bad = 0;
    rc = convert("UTF-16", s, len, &converted, &clen, &bad);
    if (rc == DBN_ENOMEM)
      return rc;
    if (rc) {
      snprintf(why, why_len, "UTF-16 input with an invalid sequence at byte %zu", bad);
      return DBN_EINVAL;
    }
    report_add(c, 0, "encoding", "converted from UTF-16");
    s = converted;
    len = clen;
  } else {
    size_t bad = utf8_bad_at((const unsigned char *)s, len);
    if (bad < len) {
      size_t gbad = 0;
      rc = convert("GB18030", s, len, &converted, &clen, &gbad);
      if (rc == DBN_ENOMEM)
        return rc;
      if (rc) {
        snprintf(
            why, why_len,
            "not UTF-8 (invalid byte 0x%02x at line %d) and not GB18030/GBK either (invalid at line %d): "
            "convert the file to UTF-8 first",
            (unsigned char)s[bad], line_of_offset(s, bad), line_of_offset(s, gbad));
        return DBN_EINVAL;
      }
      s = converted;
      len = clen;
      if (utf8_bad_at((const unsigned char *)s, len) < len) { /* iconv bug guard */
        free(converted);
        snprintf(why, why_len, "conversion from GB18030 produced invalid UTF-8");
        return DBN_EINVAL;
      }
      report_add(c, 0, "encoding", "not UTF-8 (first invalid byte at line %d): read as GB18030/GBK",
                 line_of_offset(bytes, bad));
    }
  }
  const char *nul = memchr(s, '\0', len);
  if (nul) {
    snprintf(why, why_len, "binary data: a NUL byte at line %d; a plan document is text",
             line_of_offset(s, (size_t)(nul - s)));
    free(converted);
    return DBN_EINVAL;
  }
  rc = decode(c, s, len);
  free(converted);
  if (rc)
    return rc;
  if (converted && !looks_like_text(c->o, c->len)) {
    snprintf(why, why_len,
             "neither UTF-8 nor GB18030/GBK text (it decodes to unusual characters): convert it to UTF-8");
    return DBN_EINVAL;
  }

  /* Lines; a lone CR is a line break too. Controls other than tab are
   * replaced by spaces: they are invisible in the document and would be
   * refused on the wire. */
  size_t cap = 64;
  c->lines = malloc(cap * sizeof *c->lines);
  if (!c->lines)
    return DBN_ENOMEM;
  int controls_line = 0;
  size_t start = 0;
  int no = 1;
  for (size_t i = 0; i <= c->len; i++) {
    bool eol =
        i == c->len || c->o[i] == '\n' || (c->o[i] == '\r' && (i + 1 == c->len || c->o[i + 1] != '\n'));
    if (i < c->len && !eol) {
      uint32_t cp = c->o[i];
      if (cp == '\r') {
        c->n[i] = ' ';
        continue;
      }
      if ((cp < 0x20 && cp != '\t' && cp != '\f' && cp != '\v') || cp == 0x7f || (cp >= 0x80 && cp < 0xa0)) {
        c->o[i] = ' ';
        if (!controls_line)
          controls_line = no;
      }
      c->n[i] = normalize(c->o[i]);
      /* the typed text keeps full-width characters but not invisible
       * controls or byte order marks */
      if (c->o[i] == '\f' || c->o[i] == '\v' || c->o[i] == 0xfeff)
        c->o[i] = ' ';
      continue;
    }
    if (i < c->len)
      c->n[i] = '\n';
    if (c->nlines == cap) {
      line_t *nl = realloc(c->lines, cap * 2 * sizeof *nl);
      if (!nl)
        return DBN_ENOMEM;
      c->lines = nl;
      cap *= 2;
    }
    size_t a = start, b = i;
    trim(c->n, &a, &b);
    c->lines[c->nlines].start = a;
    c->lines[c->nlines].end = b;
    c->lines[c->nlines].no = no++;
    c->nlines++;
    start = i + 1;
  }
  if (controls_line)
    report_add(c, controls_line, "encoding", "control characters replaced by spaces (first at this line)");
  return 0;
}

/* ---- units in parentheses ------------------------------------------------- */

enum role { ROLE_NONE, ROLE_LEAD, ROLE_COOP };

static enum role
role_of(const uint32_t *n, size_t a, size_t b)
{
  static const char *const coop[] = {"配合", "协办", "支撑", "支持", "参与", "协同", "协助", "协作", NULL};
  static const char *const lead[] = {"牵头", "责任", "主责", "负责", "主办", "承办", NULL};
  if (b - a > 8)
    return ROLE_NONE;
  for (int i = 0; coop[i]; i++)
    if (lit_find(n, a, b, coop[i]) != SIZE_MAX)
      return ROLE_COOP;
  for (int i = 0; lead[i]; i++)
    if (lit_find(n, a, b, lead[i]) != SIZE_MAX)
      return ROLE_LEAD;
  return ROLE_NONE;
}

static const unit_t *find_unit_loose(const imp_t *c, const char *name);
static const cJSON *file_unit(const imp_t *c, const char *name);

static bool
looks_like_unit(imp_t *c, const uint32_t *o, const uint32_t *n, size_t a, size_t b)
{
  if (b - a < 2 || b - a > 40)
    return false;
  for (size_t i = a; i < b; i++)
    if (is_digit(n[i]) || cp_in(n[i], ":。《》“”\"()〔〕,;"))
      return false;
  if (cp_in(n[b - 1], "局委办部心司会院厅署队所站行团处科室组社馆台校府区旗县镇道位关联协盟学园场门厂矿"))
    return true;
  /* a name the units file or the document already knows is a unit
   * whatever its ending */
  char *name = encode(c, o, a, b);
  bool known = name && (file_unit(c, name) != NULL || find_unit_loose(c, name) != NULL);
  free(name);
  return known;
}

/* Read units from n[a..b): "牵头单位：A、B，配合单位：C", "责任单位：A",
 * "A牵头，B、C配合" or a plain "A、B". Returns true and appends to lead
 * and coop only if all of it reads as units; *labelled tells whether a
 * role was named. */
static bool
parse_units(imp_t *c, size_t a, size_t b, strvec *lead, strvec *coop, bool *labelled)
{
  const uint32_t *n = c->n, *o = c->o;
  strvec tl = {0}, tc = {0};
  enum role cur = ROLE_NONE;
  bool any_label = false, ok = true;
  size_t p = a;
  trim(n, &a, &b);
  if (a >= b)
    return false;
  while (p < b && ok) {
    size_t q = p;
    while (q < b && !cp_in(n[q], ",;。 "))
      q++;
    size_t pa = p, pe = q;
    p = q + 1;
    trim(n, &pa, &pe);
    if (pa >= pe)
      continue;
    size_t colon = pa;
    while (colon < pe && n[colon] != ':')
      colon++;
    size_t va = pa, ve = pe;
    if (colon < pe) {
      enum role r = role_of(n, pa, colon);
      if (r == ROLE_NONE) {
        ok = false;
        break;
      }
      cur = r;
      any_label = true;
      va = colon + 1;
    } else {
      /* "A牵头" / "B、C配合" */
      static const char *const lead_sfx[] = {"牵头", "负责", NULL};
      static const char *const coop_sfx[] = {"配合", "参与", "协办", "协助", NULL};
      bool found = false;
      for (int i = 0; lead_sfx[i] && !found; i++)
        if (lit_ends(n, va, ve, lead_sfx[i])) {
          cur = ROLE_LEAD;
          ve -= lit_len(lead_sfx[i]);
          found = true;
        }
      for (int i = 0; coop_sfx[i] && !found; i++)
        if (lit_ends(n, va, ve, coop_sfx[i])) {
          cur = ROLE_COOP;
          ve -= lit_len(coop_sfx[i]);
          found = true;
        }
      if (found)
        any_label = true;
      else if (cur == ROLE_NONE)
        cur = ROLE_LEAD;
    }
    /* names separated by 、 or / */
    size_t x = va;
    while (x < ve && ok) {
      size_t y = x;
      while (y < ve && n[y] != 0x3001 && n[y] != '/')
        y++;
      size_t na = x, ne = y;
      x = y + 1;
      trim(n, &na, &ne);
      if (ne > na && n[ne - 1] == 0x7b49) /* trailing 等 */
        ne--;
      if (na >= ne)
        continue;
      if (!looks_like_unit(c, o, n, na, ne)) {
        ok = false;
        break;
      }
      char *name = encode(c, o, na, ne);
      strvec *dst = cur == ROLE_COOP ? &tc : &tl;
      if (name && (strvec_has(&tl, name) || strvec_has(&tc, name)))
        free(name);
      else
        strvec_push(c, dst, name);
    }
  }
  if (!ok || (tl.len == 0 && tc.len == 0)) {
    strvec_free(&tl);
    strvec_free(&tc);
    return false;
  }
  for (size_t i = 0; i < tl.len; i++)
    strvec_push(c, lead, tl.v[i]);
  for (size_t i = 0; i < tc.len; i++)
    strvec_push(c, coop, tc.v[i]);
  free(tl.v);
  free(tc.v);
  *labelled = any_label;
  return true;
}

/* If n[a..b) ends with a parenthesized group (before a final 。), return
 * its bounds: *pa at '(' and *pe at ')'. */
static bool
trailing_paren(const uint32_t *n, size_t a, size_t b, size_t *pa, size_t *pe)
{
  while (b > a && (is_space(n[b - 1]) || n[b - 1] == 0x3002 || n[b - 1] == '.' || n[b - 1] == ';'))
    b--;
  if (b <= a || n[b - 1] != ')')
    return false;
  int depth = 0;
  for (size_t i = b; i-- > a;) {
    if (n[i] == ')')
      depth++;
    else if (n[i] == '(' && --depth == 0) {
      *pa = i;
      *pe = b - 1;
      return true;
    }
  }
  return false;
}

/* An opening parenthesis that is never closed and names a role: the line
 * was cut in the middle of its units. */
static bool
unclosed_units(const uint32_t *n, size_t a, size_t b)
{
  int depth = 0;
  size_t open = SIZE_MAX;
  for (size_t i = a; i < b; i++) {
    if (n[i] == '(') {
      if (depth++ == 0)
        open = i;
    } else if (n[i] == ')' && depth > 0) {
      depth--;
    }
  }
  if (depth == 0 || open == SIZE_MAX)
    return false;
  for (size_t i = open; i < b; i++)
    if (n[i] == ':' && role_of(n, open + 1, i) != ROLE_NONE)
      return true;
  return false;
}

/* ---- structure ---------------------------------------------------------------- */

enum kind { K_BLANK, K_SECTION, K_MEASURE, K_ITEM, K_MARKER, K_UNITS, K_FOOTER, K_TEXT };

typedef struct {
  enum kind kind;
  int number;     /* section, measure or item number */
  int style;      /* items: 1 "1.", 2 "（1）", 3 "①" */
  size_t content; /* where the text after the numbering starts */
} line_class;

static size_t
skip_spaces(const uint32_t *n, size_t i, size_t end)
{
  while (i < end && is_space(n[i]))
    i++;
  return i;
}

static line_class
classify(imp_t *c, const line_t *ln, bool started)
{
  const uint32_t *n = c->n;
  size_t a = ln->start, b = ln->end;
  line_class lc = {K_TEXT, 0, 0, a};
  if (a >= b) {
    lc.kind = K_BLANK;
    return lc;
  }
  if (lit_at(n, a, b, "抄送") || lit_at(n, a, b, "抄报")) {
    lc.kind = K_FOOTER;
    return lc;
  }
  if (started && lit_ends(n, a, b, "印发") && lit_find(n, a, b, "年") != SIZE_MAX && b - a < 60) {
    lc.kind = K_FOOTER;
    return lc;
  }
  /* section: 一、 / 一. / 第一部分 */
  size_t i = a;
  while (i < b && i - a < 4 && is_cn_numeral(n[i]))
    i++;
  if (i > a && i < b && (n[i] == 0x3001 || n[i] == '.')) {
    lc.kind = K_SECTION;
    lc.number = cn_value(n, a, i);
    lc.content = skip_spaces(n, i + 1, b);
    return lc;
  }
  if (n[a] == 0x7b2c) { /* 第 */
    i = a + 1;
    while (i < b && i - a < 5 && is_cn_numeral(n[i]))
      i++;
    size_t k;
    if (i > a + 1 &&
        ((k = lit_at(n, i, b, "部分")) || (k = lit_at(n, i, b, "章")) || (k = lit_at(n, i, b, "篇")))) {
      lc.kind = K_SECTION;
      lc.number = cn_value(n, a + 1, i);
      i += k;
      while (i < b && (is_space(n[i]) || n[i] == 0x3001 || n[i] == ':'))
        i++;
      lc.content = i;
      return lc;
    }
  }
  /* measure: （一） */
  if (n[a] == '(') {
    i = a + 1;
    while (i < b && i - a < 5 && is_cn_numeral(n[i]))
      i++;
    if (i > a + 1 && i < b && n[i] == ')') {
      lc.kind = K_MEASURE;
      lc.number = cn_value(n, a + 1, i);
      i = skip_spaces(n, i + 1, b);
      if (i < b && n[i] == 0x3001)
        i++;
      lc.content = skip_spaces(n, i, b);
      return lc;
    }
    /* item: （1） */
    i = a + 1;
    while (i < b && i - a < 4 && is_digit(n[i]))
      i++;
    if (i > a + 1 && i < b && n[i] == ')') {
      lc.kind = K_ITEM;
      lc.style = 2;
      lc.number = 0;
      for (size_t k = a + 1; k < i; k++)
        lc.number = lc.number * 10 + (int)(n[k] - '0');
      lc.content = skip_spaces(n, i + 1, b);
      return lc;
    }
  }
  if (n[a] >= 0x2460 && n[a] <= 0x2473) { /* ①..⑳ */
    lc.kind = K_ITEM;
    lc.style = 3;
    lc.number = (int)(n[a] - 0x2460) + 1;
    lc.content = skip_spaces(n, a + 1, b);
    return lc;
  }
  /* item: 1. 1、 1） — but "1.2023年…" is item 1 whose text begins with a
   * year, and "2.6亿元…" at the start of a line is not an item 2 unless 2
   * is the number we expect next. */
  i = a;
  while (i < b && i - a < 4 && is_digit(n[i]))
    i++;
  if (i > a && i - a <= 3 && i < b && (n[i] == '.' || n[i] == 0x3001 || n[i] == ')')) {
    int num = 0;
    for (size_t k = a; k < i; k++)
      num = num * 10 + (int)(n[k] - '0');
    bool digit_after = i + 1 < b && is_digit(n[i + 1]);
    if (!digit_after || num == 1 || num == c->last_item + 1) {
      lc.kind = K_ITEM;
      lc.style = 1;
      lc.number = num;
      lc.content = skip_spaces(n, i + 1, b);
      return lc;
    }
  }
  /* the marker before the actions: 具体落实举措： */
  if (b - a <= 16 && lit_find(n, a, b, ",") == SIZE_MAX && lit_find(n, a, b, "。") == SIZE_MAX &&
      (lit_find(n, a, b, "举措") != SIZE_MAX || lit_find(n, a, b, "措施") != SIZE_MAX ||
       lit_find(n, a, b, "任务") != SIZE_MAX) &&
      (n[b - 1] == ':' || lit_ends(n, a, b, "举措") || lit_ends(n, a, b, "措施"))) {
    lc.kind = K_MARKER;
    return lc;
  }
  /* a line of units: 牵头单位：… or （牵头单位：…） */
  size_t colon = lit_find(n, a, b < a + 9 ? b : a + 9, ":");
  size_t ua = a, ub = b;
  if (n[a] == '(' && n[b - 1] == ')') {
    ua = a + 1;
    ub = b - 1;
    colon = lit_find(n, ua, ub < ua + 9 ? ub : ua + 9, ":");
  }
  if (colon != SIZE_MAX && role_of(n, ua, colon) != ROLE_NONE) {
    lc.kind = K_UNITS;
    lc.content = ua;
    return lc;
  }
  return lc;
}

static section_t *
new_section(imp_t *c, int number, int line)
{
  if (!grow(c, (void **)&c->s, &c->caps, c->ns + 1, sizeof *c->s))
    return NULL;
  section_t *s = &c->s[c->ns++];
  char buf[24];
  snprintf(buf, sizeof buf, "%d", number > 0 ? number : (int)c->ns);
  s->number = dup_str(c, buf);
  s->line = line;
  return s;
}

static measure_t *
new_measure(imp_t *c, section_t *s, int number, int line)
{
  if (!grow(c, (void **)&s->m, &s->capm, s->nm + 1, sizeof *s->m))
    return NULL;
  measure_t *m = &s->m[s->nm++];
  char buf[24];
  snprintf(buf, sizeof buf, "%d", number > 0 ? number : (int)s->nm);
  m->number = dup_str(c, buf);
  m->line = line;
  return m;
}

static action_t *
new_action(imp_t *c, measure_t *m, int number, int line)
{
  if (!grow(c, (void **)&m->a, &m->capa, m->na + 1, sizeof *m->a))
    return NULL;
  action_t *a = &m->a[m->na++];
  char buf[24];
  snprintf(buf, sizeof buf, "%d", number > 0 ? number : (int)m->na);
  a->number = dup_str(c, buf);
  a->line = line;
  return a;
}

/* Append the text n[a..b) to an action, taking a trailing unit group as its
 * owner. */
static void
action_text(imp_t *c, action_t *act, size_t a, size_t b, int line)
{
  size_t pa, pe;
  if (trailing_paren(c->n, a, b, &pa, &pe)) {
    strvec lead = {0}, coop = {0};
    bool labelled = false;
    if (parse_units(c, pa + 1, pe, &lead, &coop, &labelled)) {
      if (labelled) {
        for (size_t i = 0; i < lead.len; i++)
          strvec_push(c, &act->lead, dup_str(c, lead.v[i]));
        for (size_t i = 0; i < coop.len; i++)
          strvec_push(c, &act->coop, dup_str(c, coop.v[i]));
      }
      const char *owner = lead.len ? lead.v[0] : coop.v[0];
      if (!act->owner) {
        act->owner = dup_str(c, owner);
        if (lead.len > 1)
          report_add(c, line, "owner", "several units (%zu) named for one action: %s owns it", lead.len,
                     owner);
        else if (!lead.len)
          report_add(c, line, "owner", "the action names only cooperating units: %s owns it", owner);
      }
      act->closed = true;
      b = pa;
      trim(c->n, &a, &b);
    }
    strvec_free(&lead);
    strvec_free(&coop);
  } else if (unclosed_units(c->n, a, b)) {
    report_add(c, line, "structure",
               "an opening parenthesis with units is never closed: the owner is unreadable");
  }
  if (a >= b)
    return;
  if (act->text.len) {
    uint32_t nl = '\n';
    cpbuf_append(c, &act->text, &nl, &nl, 1);
  }
  cpbuf_append(c, &act->text, c->o + a, c->n + a, b - a);
}

static void
measure_text(imp_t *c, measure_t *m, size_t a, size_t b, int line)
{
  size_t pa, pe;
  if (trailing_paren(c->n, a, b, &pa, &pe)) {
    bool labelled = false;
    if (parse_units(c, pa + 1, pe, &m->lead, &m->coop, &labelled)) {
      m->units_seen = true;
      b = pa;
      trim(c->n, &a, &b);
    }
  } else if (unclosed_units(c->n, a, b)) {
    report_add(c, line, "structure",
               "an opening parenthesis with units is never closed: the measure's units are unreadable");
  }
  if (a >= b)
    return;
  if (m->text.len) {
    uint32_t nl = '\n';
    cpbuf_append(c, &m->text, &nl, &nl, 1);
  }
  cpbuf_append(c, &m->text, c->o + a, c->n + a, b - a);
}

/* ---- header ------------------------------------------------------------------ */

static int days_in_month(int y, int m);

static bool
parse_date_cn(const uint32_t *n, size_t a, size_t b, ymd *d, size_t *end)
{
  size_t i = a;
  int v[3] = {0, 0, 0};
  static const char *const sep[] = {"年", "月", "日"};
  for (int k = 0; k < 3; k++) {
    size_t st = i;
    while (i < b && is_digit(n[i]) && i - st < 4)
      v[k] = v[k] * 10 + (int)(n[i++] - '0');
    if (i == st || !lit_at(n, i, b, sep[k]))
      return false;
    i++;
  }
  if (v[0] < 1900 || v[0] > 2200 || v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > days_in_month(v[0], v[1]))
    return false;
  d->y = v[0];
  d->m = v[1];
  d->d = v[2];
  *end = i;
  return true;
}

static const struct {
  const char *issuer;
  const char *slug;
} ISSUERS[] = {
    {"鄂府发", "ordos"},
    {"鄂府办发", "ordos-office"},
    {"鄂府字", "ordos-zi"},
    {"鄂府函", "ordos-letter"},
    {"内政发", "nmg"},
    {"内政办发", "nmg-office"},
    {"内政字", "nmg-zi"},
    {"国发", "gov"},
    {"国办发", "gov-office"},
    {"国函", "gov-letter"},
    {"包府发", "baotou"},
    {"呼政发", "hohhot"},
    {NULL, NULL},
};

static uint32_t
fnv1a(const char *s)
{
  uint32_t h = 2166136261u;
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    h ^= *p;
    h *= 16777619u;
  }
  return h;
}

static bool
valid_id(const char *id)
{
  size_t n = strlen(id);
  if (n == 0 || n > 64)
    return false;
  for (size_t i = 0; i < n; i++) {
    char ch = id[i];
    if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' ||
          ch == '_' || ch == '.'))
      return false;
  }
  return true;
}

static void
read_header(imp_t *c, size_t first_structural)
{
  const uint32_t *n = c->n;
  size_t best_a = 0, best_len = 0, run_a = 0, run_len = 0;
  bool in_run = false;
  int doc_year = 0, doc_num = 0;
  char *issuer = NULL;

  for (size_t li = 0; li < first_structural && !c->err; li++) {
    const line_t *ln = &c->lines[li];
    size_t a = ln->start, b = ln->end;
    if (a >= b)
      continue;
    bool title_like = true;
    /* document number: 鄂府发〔2023〕58号 */
    for (size_t i = a; i < b && !c->document; i++) {
      if (!(n[i] == 0x3014 || n[i] == '[' || n[i] == '(' || n[i] == 0x3010))
        continue;
      size_t j = i + 1, ys = j;
      int y = 0;
      while (j < b && is_digit(n[j]) && j - ys < 4)
        y = y * 10 + (int)(n[j++] - '0');
      if (j - ys != 4 || j >= b || !(n[j] == 0x3015 || n[j] == ']' || n[j] == ')' || n[j] == 0x3011))
        continue;
      size_t k = j + 1, ns = k;
      int num = 0;
      while (k < b && is_digit(n[k]) && k - ns < 6)
        num = num * 10 + (int)(n[k++] - '0');
      if (k == ns || !lit_at(n, k, b, "号"))
        continue;
      size_t is = i;
      while (is > a && n[is - 1] >= 0x4e00 && n[is - 1] <= 0x9fff && i - is < 8)
        is--;
      if (is == i)
        continue;
      c->document = encode(c, c->o, is, k + 1);
      issuer = encode(c, c->o, is, i);
      doc_year = y;
      doc_num = num;
      title_like = false;
    }
    ymd d;
    size_t e;
    if (parse_date_cn(n, a, b, &d, &e)) {
      if (e == b && !c->have_issued) {
        c->issued = d;
        c->have_issued = true;
      }
      title_like = false;
    }
    if (title_like &&
        (b - a > 60 || lit_find(n, a, b, ",") != SIZE_MAX || lit_find(n, a, b, "。") != SIZE_MAX ||
         lit_find(n, a, b, ":") != SIZE_MAX || lit_find(n, a, b, ";") != SIZE_MAX))
      title_like = false;
    if (title_like) {
      if (!in_run) {
        in_run = true;
        run_a = li;
        run_len = 0;
      }
      run_len += b - a;
    } else if (in_run) {
      in_run = false;
      if (run_len >= best_len) {
        best_len = run_len;
        best_a = run_a;
      }
    }
    if (in_run && run_len >= best_len && li + 1 == first_structural) {
      best_len = run_len;
      best_a = run_a;
    }
  }
  if (best_len > 0) {
    /* join the lines of the run: a title broken over lines */
    cpbuf t = {0};
    for (size_t li = best_a; li < first_structural; li++) {
      const line_t *ln = &c->lines[li];
      if (ln->start >= ln->end)
        continue;
      size_t a = ln->start, b = ln->end;
      ymd d;
      size_t e;
      if (b - a > 60 || lit_find(n, a, b, ",") != SIZE_MAX || lit_find(n, a, b, "。") != SIZE_MAX ||
          lit_find(n, a, b, ":") != SIZE_MAX || lit_find(n, a, b, ";") != SIZE_MAX ||
          parse_date_cn(n, a, b, &d, &e))
        break;
      cpbuf_append(c, &t, c->o + a, c->n + a, b - a);
    }
    c->title = encode_limited(c, t.o, 0, t.len, 0, "the title");
    cpbuf_free(&t);
  }
  if (!c->title) {
    c->title = dup_str(c, c->document ? c->document : "");
    report_add(c, 0, "header", "no title found before the first section");
  }

  /* plan id */
  const char *opt_id = c->opt ? c->opt->id : NULL;
  char buf[160];
  if (opt_id) {
    c->id = dup_str(c, opt_id);
  } else {
    const char *slug = NULL;
    for (int i = 0; issuer && ISSUERS[i].issuer; i++)
      if (strcmp(issuer, ISSUERS[i].issuer) == 0)
        slug = ISSUERS[i].slug;
    char stem[80] = "";
    if (c->opt && c->opt->file_stem) {
      size_t k = 0;
      for (const char *p = c->opt->file_stem; *p && k + 1 < sizeof stem && k < 64; p++) {
        char ch = *p;
        if (ch >= 'A' && ch <= 'Z')
          ch = (char)(ch - 'A' + 'a');
        if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_')
          stem[k++] = ch;
        else if ((ch == '.' || ch == ' ') && k > 0 && stem[k - 1] != '-')
          stem[k++] = '-';
      }
      while (k > 0 && stem[k - 1] == '-')
        k--;
      stem[k] = '\0';
    }
    if (slug)
      snprintf(buf, sizeof buf, "%s-%d-%d", slug, doc_year, doc_num);
    else if (stem[0])
      snprintf(buf, sizeof buf, "%s", stem);
    else if (issuer)
      snprintf(buf, sizeof buf, "plan-%04x-%d-%d", (unsigned)(fnv1a(issuer) & 0xffff), doc_year, doc_num);
    else {
      /* nothing to name it by: a hash of the text keeps it stable */
      char *all = encode(c, c->o, 0, c->len);
      snprintf(buf, sizeof buf, "plan-%08x", (unsigned)(all ? fnv1a(all) : 0));
      free(all);
    }
    c->id = dup_str(c, buf);
    if (!slug && issuer)
      report_add(c, 0, "header", "issuer %s is not in the built-in table: plan id %s", issuer, buf);
  }
  free(issuer);
}

/* ---- the state machine ------------------------------------------------------ */

static int
parse_structure(imp_t *c, char *why, size_t why_len)
{
  section_t *sec = NULL;
  measure_t *mea = NULL;
  action_t *act = NULL;
  size_t first = c->nlines, first_item = c->nlines;
  bool footer = false;

  /* The plan starts at the first section or measure; a document that is
   * only numbered items starts at its item 1. Everything before is the
   * header (notice, title, issuing paragraph). */
  for (size_t li = 0; li < c->nlines; li++) {
    line_class lc = classify(c, &c->lines[li], false);
    if (lc.kind == K_SECTION || lc.kind == K_MEASURE) {
      first = li;
      break;
    }
    if (lc.kind == K_ITEM && lc.number == 1 && first_item == c->nlines)
      first_item = li;
  }
  if (first == c->nlines)
    first = first_item;
  c->last_item = 0;

  for (size_t li = first; li < c->nlines && !c->err; li++) {
    const line_t *ln = &c->lines[li];
    if (footer)
      break;
    line_class lc = classify(c, ln, true);
    size_t a = lc.content, b = ln->end;
    switch (lc.kind) {
    case K_BLANK: break;
    case K_FOOTER: footer = true; break;
    case K_SECTION: {
      sec = new_section(c, lc.number, ln->no);
      if (!sec)
        break;
      sec->title = encode_limited(c, c->o, a, b, ln->no, "a section title");
      sec->title_a = a;
      sec->title_b = b;
      mea = NULL;
      act = NULL;
      break;
    }
    case K_MEASURE:
      if (!sec) {
        report_add(c, ln->no, "structure", "a measure before any section: put under an untitled section 1");
        sec = new_section(c, 1, ln->no);
        if (!sec)
          break;
        sec->title = dup_str(c, "");
      }
      mea = new_measure(c, sec, lc.number, ln->no);
      act = NULL;
      if (mea)
        measure_text(c, mea, a, b, ln->no);
      break;
    case K_MARKER:
      if (!mea)
        report_add(c, ln->no, "structure", "an actions marker outside any measure: ignored");
      else
        mea->in_actions = true;
      break;
    case K_UNITS: {
      strvec lead = {0}, coop = {0};
      bool labelled = false;
      size_t ua = lc.content, ub = b;
      if (ub > ua && c->n[ub - 1] == ')')
        ub--;
      if (!parse_units(c, ua, ub, &lead, &coop, &labelled)) {
        report_add(c, ln->no, "structure", "a line of units that cannot be read: ignored");
      } else if (act && !act->owner) {
        act->owner = dup_str(c, lead.len ? lead.v[0] : coop.v[0]);
        for (size_t i = 0; i < lead.len; i++)
          strvec_push(c, &act->lead, dup_str(c, lead.v[i]));
        for (size_t i = 0; i < coop.len; i++)
          strvec_push(c, &act->coop, dup_str(c, coop.v[i]));
        act->closed = true;
      } else if (mea && !mea->units_seen && mea->na == 0) {
        for (size_t i = 0; i < lead.len; i++)
          strvec_push(c, &mea->lead, dup_str(c, lead.v[i]));
        for (size_t i = 0; i < coop.len; i++)
          strvec_push(c, &mea->coop, dup_str(c, coop.v[i]));
        mea->units_seen = true;
      } else {
        report_add(c, ln->no, "structure", "a line of units with nothing to attach it to: ignored");
      }
      strvec_free(&lead);
      strvec_free(&coop);
      break;
    }
    case K_ITEM:
      if (mea && act && mea->item_style && lc.style != mea->item_style) {
        /* a sub-item ((1) under 1.): part of the action's text */
        action_text(c, act, ln->start, b, ln->no);
        break;
      }
      if (!sec) {
        report_add(c, ln->no, "structure",
                   "a numbered item before any section: put under an untitled section 1");
        sec = new_section(c, 1, ln->no);
        if (!sec)
          break;
        sec->title = dup_str(c, "");
      }
      if (!mea) {
        report_add(c, ln->no, "structure", "numbered items directly under section %s: read as one measure",
                   sec->number);
        mea = new_measure(c, sec, 1, ln->no);
        if (!mea)
          break;
        /* the section's title stands for the measure's text */
        cpbuf_append(c, &mea->text, c->o + sec->title_a, c->n + sec->title_a, sec->title_b - sec->title_a);
        mea->synthesized = true;
      }
      mea->in_actions = true;
      mea->item_style = lc.style;
      c->last_item = lc.number;
      act = new_action(c, mea, lc.number, ln->no);
      if (act)
        action_text(c, act, a, b, ln->no);
      break;
    case K_TEXT:
      if (!sec) {
        report_add(c, ln->no, "skipped", "text before any section: not part of the plan");
      } else if (!mea) {
        report_add(c, ln->no, "skipped", "text in section %s before its first measure: not a task",
                   sec->number);
      } else if (!mea->in_actions && mea->na == 0 && !mea->units_seen) {
        measure_text(c, mea, a, b, ln->no);
      } else if (act && !act->closed) {
        action_text(c, act, a, b, ln->no);
      } else {
        if (!mea->in_actions)
          report_add(c, ln->no, "structure",
                     "a paragraph after measure %s.%s without 具体落实举措: read as an action", sec->number,
                     mea->number);
        else if (mea->na > 0)
          report_add(c, ln->no, "structure",
                     "an unnumbered paragraph after action %s: read as a further action",
                     mea->a[mea->na - 1].number);
        mea->in_actions = true;
        act = new_action(c, mea, (int)mea->na + 1, ln->no);
        if (act) {
          if (mea->na == 1) {
            free(act->number);
            act->number = dup_str(c, "1");
          }
          action_text(c, act, a, b, ln->no);
        }
      }
      break;
    }
  }
  if (c->err)
    return c->err;
  if (c->ns == 0) {
    snprintf(why, why_len,
             "no structure: found no section (一、), measure (（一）) or numbered item (1.) in %zu lines",
             c->nlines);
    return DBN_EINVAL;
  }
  /* items-only documents were not started above: handled by sections */
  read_header(c, first);
  return c->err;
}

/* ---- units --------------------------------------------------------------------- */

/* The loose key of a name: without 和/与/及 and spaces, so that 市交通和运输局
 * and 市交通运输局 meet. */
static void
loose_key(const char *name, char *out, size_t out_len)
{
  size_t k = 0;
  for (const unsigned char *p = (const unsigned char *)name; *p && k + 5 < out_len;) {
    uint32_t cp;
    size_t l = lit_get(p, &cp);
    if (!(cp == 0x548c || cp == 0x4e0e || cp == 0x53ca || cp == ' ' || cp == 0x3000)) {
      memcpy(out + k, p, l);
      k += l;
    }
    p += l;
  }
  out[k] = '\0';
}

static const cJSON *
file_unit(const imp_t *c, const char *name)
{
  if (!c->opt || !c->opt->units)
    return NULL;
  const cJSON *e;
  cJSON_ArrayForEach(e, c->opt->units)
  {
    const cJSON *nm = cJSON_GetObjectItemCaseSensitive(e, "name");
    if (cJSON_IsString(nm) && strcmp(nm->valuestring, name) == 0)
      return e;
    const cJSON *al;
    cJSON_ArrayForEach(al, cJSON_GetObjectItemCaseSensitive(e, "aliases"))
    {
      if (cJSON_IsString(al) && strcmp(al->valuestring, name) == 0)
        return e;
    }
  }
  return NULL;
}

static const unit_t *
find_unit_loose(const imp_t *c, const char *name)
{
  char k1[512], k2[512];
  loose_key(name, k1, sizeof k1);
  for (size_t i = 0; i < c->nu; i++) {
    if (strcmp(c->u[i].name, name) == 0 || strvec_has(&c->u[i].aliases, name))
      return &c->u[i];
    loose_key(c->u[i].name, k2, sizeof k2);
    if (strcmp(k1, k2) == 0)
      return &c->u[i];
  }
  return NULL;
}

/* The canonical unit for a name as written, registering it on first sight;
 * returns its index, or -1 on allocation failure. */
static int
unit_register(imp_t *c, const char *name, int line)
{
  const cJSON *fe = file_unit(c, name);
  const char *canon = name;
  if (fe)
    canon = cJSON_GetObjectItemCaseSensitive(fe, "name")->valuestring;
  for (size_t i = 0; i < c->nu; i++) {
    if (strcmp(c->u[i].name, canon) == 0) {
      if (strcmp(canon, name) != 0) {
        if (!strvec_has(&c->u[i].aliases, name))
          strvec_push(c, &c->u[i].aliases, dup_str(c, name));
        report_add(c, line, "alias", "%s read as %s (an alias from the units file)", name, canon);
      }
      return (int)i;
    }
  }
  if (!fe) {
    const unit_t *u = find_unit_loose(c, name);
    if (u) {
      int idx = (int)(u - c->u);
      if (!strvec_has(&c->u[idx].aliases, name))
        strvec_push(c, &c->u[idx].aliases, dup_str(c, name));
      report_add(c, line, "alias", "%s read as %s, an alias (the document spells it both ways)", name,
                 u->name);
      return idx;
    }
  }
  if (!grow(c, (void **)&c->u, &c->capu, c->nu + 1, sizeof *c->u))
    return -1;
  unit_t *u = &c->u[c->nu];
  u->name = dup_str(c, canon);
  u->from_file = fe != NULL;
  if (fe) {
    const cJSON *al;
    cJSON_ArrayForEach(al, cJSON_GetObjectItemCaseSensitive(fe, "aliases"))
    {
      if (cJSON_IsString(al))
        strvec_push(c, &u->aliases, dup_str(c, al->valuestring));
    }
    u->code = dup_str(c, cJSON_GetObjectItemCaseSensitive(fe, "code")->valuestring);
    if (strcmp(canon, name) != 0)
      report_add(c, line, "alias", "%s read as %s (an alias from the units file)", name, canon);
  }
  c->nu++;
  return (int)c->nu - 1;
}

/* Readable codes for common department names: the initials of the usual
 * short form's pinyin (林草局 → LCJ). Matched against the end of a name, so
 * 市交通运输局 and 国家税务局鄂尔多斯市税务局 both find theirs. */
static const struct {
  const char *suffix;
  const char *code;
} CODES[] = {
    {"发展和改革委员会", "FGW"},
    {"发展改革委", "FGW"},
    {"发改委", "FGW"},
    {"工业和信息化局", "GXJ"},
    {"科学技术局", "KJJ"},
    {"科技局", "KJJ"},
    {"教育体育局", "JYJ"},
    {"教育局", "JYJ"},
    {"体育局", "TYJ"},
    {"公安局", "GAJ"},
    {"民政局", "MZJ"},
    {"司法局", "SFJ"},
    {"财政局", "CZJ"},
    {"人力资源和社会保障局", "RSJ"},
    {"人力资源社会保障局", "RSJ"},
    {"人社局", "RSJ"},
    {"自然资源局", "ZRZYJ"},
    {"生态环境局", "STHJJ"},
    {"住房和城乡建设局", "ZJJ"},
    {"住建局", "ZJJ"},
    {"交通运输局", "JTJ"},
    {"水利局", "SLJ"},
    {"农牧局", "NMJ"},
    {"农业农村局", "NNJ"},
    {"商务局", "SWUJ"},
    {"文化和旅游局", "WLJ"},
    {"文旅局", "WLJ"},
    {"卫生健康委员会", "WJW"},
    {"卫健委", "WJW"},
    {"退役军人事务局", "TYJRJ"},
    {"应急管理局", "YJJ"},
    {"审计局", "SJJ"},
    {"国有资产监督管理委员会", "GZW"},
    {"国资委", "GZW"},
    {"市场监督管理局", "SCJGJ"},
    {"统计局", "TJJ"},
    {"医疗保障局", "YBJ"},
    {"林业和草原局", "LCJ"},
    {"林草局", "LCJ"},
    {"大数据中心", "DSJZX"},
    {"大数据局", "DSJJ"},
    {"政务服务局", "ZWFWJ"},
    {"公共资源交易中心", "GGZYJYZX"},
    {"金融工作办公室", "JRB"},
    {"金融办", "JRB"},
    {"组织部", "ZZB"},
    {"宣传部", "XCB"},
    {"统战部", "TZB"},
    {"供电公司", "GDGS"},
    {"气象局", "QXJ"},
    {"政府办公室", "ZFB"},
    {"外事办公室", "WSB"},
    {"城市管理综合执法局", "CGJ"},
    {"城市管理局", "CGJ"},
    {"乡村振兴局", "XCZXJ"},
    {"广播电视局", "GDJ"},
    {"税务局", "SWJ"},
    {"能源局", "NYJ"},
    {"地震局", "DZJ"},
    {"粮食和物资储备局", "LSJ"},
    {"林业局", "LYJ"},
    {"水务局", "SWUJ"},
    {"总工会", "ZGH"},
    {"团委", "TW"},
    {"妇联", "FL"},
    {"科协", "KX"},
    {"残联", "CL"},
    {NULL, NULL},
};

static void
assign_codes(imp_t *c)
{
  for (size_t i = 0; i < c->nu && !c->err; i++) {
    unit_t *u = &c->u[i];
    char base[64];
    if (u->code)
      continue;
    const char *best = NULL;
    size_t best_len = 0, nlen = strlen(u->name);
    for (int k = 0; CODES[k].suffix; k++) {
      size_t sl = strlen(CODES[k].suffix);
      if (sl <= nlen && sl > best_len && strcmp(u->name + nlen - sl, CODES[k].suffix) == 0) {
        best = CODES[k].code;
        best_len = sl;
      }
    }
    if (best)
      snprintf(base, sizeof base, "%s", best);
    else
      snprintf(base, sizeof base, "U%06X", (unsigned)(fnv1a(u->name) & 0xffffff));
    char code[80];
    snprintf(code, sizeof code, "%s", base);
    for (int suffix = 2;; suffix++) {
      bool taken = false;
      for (size_t j = 0; j < c->nu; j++)
        if (j != i && c->u[j].code && strcmp(c->u[j].code, code) == 0)
          taken = true;
      if (!taken)
        break;
      snprintf(code, sizeof code, "%s%d", base, suffix);
    }
    u->code = dup_str(c, code);
  }
}

static int
check_units_file(const cJSON *units, char *why, size_t why_len)
{
  if (!cJSON_IsArray(units)) {
    snprintf(why, why_len, "units file: expected a JSON array of {\"name\", \"code\", \"aliases\"}");
    return DBN_EINVAL;
  }
  int i = 0;
  const cJSON *e;
  cJSON_ArrayForEach(e, units)
  {
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(e, "name");
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(e, "code");
    const cJSON *aliases = cJSON_GetObjectItemCaseSensitive(e, "aliases");
    if (!cJSON_IsObject(e) || !cJSON_IsString(name) || !name->valuestring[0] || !cJSON_IsString(code)) {
      snprintf(why, why_len, "units file: entry %d needs a string \"name\" and \"code\"", i);
      return DBN_EINVAL;
    }
    size_t cl = strlen(code->valuestring);
    bool ok = cl > 0 && cl <= 32;
    for (size_t k = 0; k < cl; k++) {
      char ch = code->valuestring[k];
      if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' ||
            ch == '_'))
        ok = false;
    }
    if (!ok) {
      snprintf(why, why_len,
               "units file: entry %d (%.200s): code \"%.40s\" must be 1-32 ASCII letters, digits, - or _", i,
               name->valuestring, code->valuestring);
      return DBN_EINVAL;
    }
    if (aliases && !cJSON_IsArray(aliases)) {
      snprintf(why, why_len, "units file: entry %d (%.200s): \"aliases\" must be an array of strings", i,
               name->valuestring);
      return DBN_EINVAL;
    }
    const cJSON *al;
    cJSON_ArrayForEach(al, aliases)
    {
      if (!cJSON_IsString(al)) {
        snprintf(why, why_len, "units file: entry %d (%.200s): \"aliases\" must be an array of strings", i,
                 name->valuestring);
        return DBN_EINVAL;
      }
    }
    int j = 0;
    const cJSON *f;
    cJSON_ArrayForEach(f, units)
    {
      if (j >= i)
        break;
      const cJSON *fc = cJSON_GetObjectItemCaseSensitive(f, "code");
      if (cJSON_IsString(fc) && strcmp(fc->valuestring, code->valuestring) == 0) {
        snprintf(why, why_len, "units file: code %.40s is given to entries %d and %d", code->valuestring, j,
                 i);
        return DBN_EINVAL;
      }
      j++;
    }
    i++;
  }
  return 0;
}

/* ---- deadlines ---------------------------------------------------------------- */

static int
days_in_month(int y, int m)
{
  static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
    return 29;
  return d[m - 1];
}

static int
ymd_cmp(ymd a, ymd b)
{
  if (a.y != b.y)
    return a.y < b.y ? -1 : 1;
  if (a.m != b.m)
    return a.m < b.m ? -1 : 1;
  if (a.d != b.d)
    return a.d < b.d ? -1 : 1;
  return 0;
}

static bool
is_clause_delim(uint32_t c)
{
  return c == ',' || c == ';' || c == 0x3002 || c == ':' || c == '!' || c == '?' || c == '\n';
}

static bool
is_sentence_delim(uint32_t c)
{
  return c == ';' || c == 0x3002 || c == '!' || c == '?' || c == '\n';
}

static bool
clause_start_at(const uint32_t *n, size_t i)
{
  while (i > 0 && (is_space(n[i - 1]) || n[i - 1] == 0x201c || n[i - 1] == '"'))
    i--;
  return i == 0 || is_clause_delim(n[i - 1]) || n[i - 1] == 0x3001;
}

static bool
preceded_by_to(const uint32_t *n, size_t i)
{
  while (i > 0 && is_space(n[i - 1]))
    i--;
  return i > 0 && cp_in(n[i - 1], "到至在于止");
}

static ymd
add_months(ymd d, int months)
{
  int total = d.y * 12 + (d.m - 1) + months;
  ymd r = {total / 12, total % 12 + 1, d.d};
  if (r.d > days_in_month(r.y, r.m))
    r.d = days_in_month(r.y, r.m);
  return r;
}

/* Every deadline in n[0..len), in order. Text inside 《》 is a title, not a
 * deadline: 《…（2021—2030年）》 names a plan. */
static size_t
find_dates(imp_t *c, const uint32_t *n, size_t len, date_hit *hits, size_t max, int line)
{
  size_t nh = 0;
  int book = 0;
  for (size_t i = 0; i < len && nh < max; i++) {
    if (n[i] == 0x300a || n[i] == 0x3008)
      book++;
    else if ((n[i] == 0x300b || n[i] == 0x3009) && book > 0)
      book--;
    if (book)
      continue;
    /* relative: 两年内, 2年内, 6个月内 */
    if ((is_digit(n[i]) || is_cn_numeral(n[i])) &&
        (i == 0 || !(is_digit(n[i - 1]) || is_cn_numeral(n[i - 1]) || n[i - 1] == '.'))) {
      size_t j = i;
      while (j < len && j - i < 3 && (is_digit(n[j]) || is_cn_numeral(n[j])))
        j++;
      int num = -1;
      if (is_digit(n[i])) {
        num = 0;
        for (size_t k = i; k < j; k++)
          num = is_digit(n[k]) ? num * 10 + (int)(n[k] - '0') : -1000;
      } else {
        num = cn_value(n, i, j);
      }
      size_t k;
      int months = 0;
      if (num > 0 && num < 50 && (k = lit_at(n, j, len, "年内")))
        months = num * 12;
      else if (num > 0 && num < 120 && (k = lit_at(n, j, len, "个月内")))
        months = num;
      if (months) {
        if (!c->have_issued) {
          report_add(c, line, "deadline", "a relative deadline but no issuing date: ignored");
        } else {
          hits[nh].due = add_months(c->issued, months);
          hits[nh++].pos = i;
        }
        i = j + k - 1;
        continue;
      }
    }
    if (!is_digit(n[i]) || (i > 0 && (is_digit(n[i - 1]) || n[i - 1] == '.' || is_alpha(n[i - 1]))))
      continue;
    size_t j = i;
    int y = 0;
    while (j < len && is_digit(n[j]) && j - i < 5)
      y = y * 10 + (int)(n[j++] - '0');
    if (j - i != 4 || y < 1990 || y > 2100)
      continue;
    /* a range: 2023—2025年, 2023年至2025年 */
    size_t r = j;
    if (r < len && n[r] == 0x5e74)
      r++;
    if (r < len && (n[r] == DASH || n[r] == '-' || n[r] == 0x81f3 || n[r] == 0x5230)) {
      size_t s = r + 1, e = s;
      int y2 = 0;
      while (e < len && is_digit(n[e]) && e - s < 5)
        y2 = y2 * 10 + (int)(n[e++] - '0');
      if (e - s == 4 && e < len && n[e] == 0x5e74 && y2 >= y && y2 - y <= 20) {
        for (int yy = y; yy <= y2 && nh < max; yy++) {
          hits[nh].due = (ymd){yy, 12, 31};
          hits[nh++].pos = i;
        }
        i = e;
        continue;
      }
    }
    if (j >= len || n[j] != 0x5e74) /* 年 */
      continue;
    size_t k = j + 1;
    ymd due = {y, 12, 31};
    bool explicit_ = false, negative = false;
    /* month and day: 2023年6月底前, 2023年9月30日前 */
    size_t ms = k;
    int m = 0;
    while (k < len && is_digit(n[k]) && k - ms < 2)
      m = m * 10 + (int)(n[k++] - '0');
    if (k > ms && k < len && n[k] == 0x6708 && m >= 1 && m <= 12) { /* 月 */
      k++;
      due.m = m;
      due.d = days_in_month(y, m);
      size_t ds = k;
      int d = 0;
      while (k < len && is_digit(n[k]) && k - ds < 2)
        d = d * 10 + (int)(n[k++] - '0');
      if (k > ds && k < len && n[k] == 0x65e5 && d >= 1 && d <= days_in_month(y, m)) { /* 日 */
        k++;
        due.d = d;
      } else if (k > ds) {
        continue;
      }
    } else {
      k = j + 1;
    }
    size_t l;
    if (lit_at(n, k, len, "年底") || lit_at(n, k, len, "年末"))
      explicit_ = true;
    else if (lit_at(n, k, len, "上半年") || lit_at(n, k, len, "年中")) {
      explicit_ = true;
      due.m = 6;
      due.d = 30;
    } else if (lit_at(n, k, len, "下半年"))
      explicit_ = true;
    else if ((l = lit_at(n, k, len, "以前")) || (l = lit_at(n, k, len, "以后")) ||
             (l = lit_at(n, k, len, "以来")) || (l = lit_at(n, k, len, "开始")))
      negative = true;
    else if (k < len && cp_in(n[k], "后起"))
      negative = true;
    else if (k < len && (cp_in(n[k], "底末内前") || (k == j + 1 && n[k] == 0x5ea6))) /* 度 */
      explicit_ = true;
    if (negative)
      continue;
    if (!explicit_ && !clause_start_at(n, i) && !preceded_by_to(n, i))
      continue;
    if (c->have_issued && due.y < c->issued.y) {
      report_add(c, line, "deadline", "%d is before the plan was issued: not read as a deadline", y);
      continue;
    }
    hits[nh].due = due;
    hits[nh++].pos = i;
    i = k - 1;
  }
  return nh;
}

static size_t
clause_begin(const uint32_t *n, size_t pos)
{
  while (pos > 0 && !is_clause_delim(n[pos - 1]))
    pos--;
  return pos;
}

static size_t
sentence_begin(const uint32_t *n, size_t pos)
{
  while (pos > 0 && !is_sentence_delim(n[pos - 1]))
    pos--;
  return pos;
}

static size_t
sentence_end(const uint32_t *n, size_t pos, size_t len)
{
  while (pos < len && !is_sentence_delim(n[pos]))
    pos++;
  return pos;
}

#define MAX_DATES 64

/* The milestones of an action; *n_p = 0 when it names no date. */
static cJSON *
milestones(imp_t *c, const cpbuf *t, int line, ymd *latest, bool *dated)
{
  date_hit hits[MAX_DATES];
  size_t nh = find_dates(c, t->n, t->len, hits, MAX_DATES, line);
  cJSON *arr = cJSON_CreateArray();
  if (!arr) {
    c->err = DBN_ENOMEM;
    return NULL;
  }
  *dated = nh > 0;
  /* text each date governs */
  char *texts[MAX_DATES] = {0};
  for (size_t h = 0; h < nh; h++) {
    /* A date governs from the start of its clause (or of its sentence,
     * when it is the sentence's first date, so that the context before it
     * is kept) to the clause where the next date begins. The years of one
     * range share one position and one text. */
    size_t pos = hits[h].pos;
    size_t sb = sentence_begin(t->n, pos), se = sentence_end(t->n, pos, t->len);
    size_t pp = SIZE_MAX;
    for (size_t g = h; g-- > 0;)
      if (hits[g].pos != pos) {
        pp = hits[g].pos;
        break;
      }
    size_t a;
    if (pp == SIZE_MAX || pp < sb) {
      a = sb;
    } else {
      a = clause_begin(t->n, pos);
      if (a <= pp)
        a = pos;
    }
    size_t b = se;
    for (size_t g = h + 1; g < nh; g++) {
      if (hits[g].pos == pos)
        continue;
      if (hits[g].pos < se) {
        size_t cb = clause_begin(t->n, hits[g].pos);
        b = cb > pos ? cb : hits[g].pos;
      }
      break;
    }
    while (a < b && (is_space(t->n[a]) || is_clause_delim(t->n[a])))
      a++;
    while (b > a && (is_space(t->n[b - 1]) || is_clause_delim(t->n[b - 1])))
      b--;
    texts[h] = encode_limited(c, t->o, a, b, line, "a milestone's text");
  }
  /* one milestone per date, in date order; texts of one date joined */
  bool used[MAX_DATES] = {0};
  for (;;) {
    size_t best = SIZE_MAX;
    for (size_t h = 0; h < nh; h++)
      if (!used[h] && (best == SIZE_MAX || ymd_cmp(hits[h].due, hits[best].due) < 0))
        best = h;
    if (best == SIZE_MAX)
      break;
    size_t total = 1;
    for (size_t h = 0; h < nh; h++)
      if (!used[h] && ymd_cmp(hits[h].due, hits[best].due) == 0 && texts[h])
        total += strlen(texts[h]) + 4;
    char *joined = malloc(total);
    if (!joined) {
      c->err = DBN_ENOMEM;
      break;
    }
    joined[0] = '\0';
    const char *last = NULL;
    for (size_t h = 0; h < nh; h++) {
      if (used[h] || ymd_cmp(hits[h].due, hits[best].due) != 0)
        continue;
      used[h] = true;
      if (!texts[h] || (last && strcmp(last, texts[h]) == 0))
        continue;
      if (joined[0])
        strcat(joined, "\xef\xbc\x9b"); /* ； */
      strcat(joined, texts[h]);
      last = texts[h];
    }
    if (strlen(joined) > DBN_MAX_TEXT) {
      size_t cut = DBN_MAX_TEXT - 3;
      while (cut > 0 && ((unsigned char)joined[cut] & 0xc0) == 0x80)
        cut--;
      memcpy(joined + cut, "\xe2\x80\xa6", 4);
    }
    char due[16];
    ymd d = hits[best].due;
    snprintf(due, sizeof due, "%04d-%02d-%02d", d.y, d.m, d.d);
    if (ymd_cmp(d, *latest) > 0)
      *latest = d;
    cJSON *ms = cJSON_CreateObject();
    if (!ms || !cJSON_AddStringToObject(ms, "due", due) || !cJSON_AddStringToObject(ms, "text", joined) ||
        !cJSON_AddBoolToObject(ms, "inherited", 0)) {
      cJSON_Delete(ms);
      c->err = DBN_ENOMEM;
    } else {
      cJSON_AddItemToArray(arr, ms);
    }
    free(joined);
  }
  for (size_t h = 0; h < nh; h++)
    free(texts[h]);
  return arr;
}

/* ---- targets ------------------------------------------------------------------- */

/* Units of measure a target may carry, longest first so that 千瓦时 wins
 * over 千瓦 and 人次 over 人. */
static const char *const MEASURES[] = {
    "平方公里", "立方米", "平方米", "千瓦时", "标准箱", "万千瓦", "千瓦", "公里", "千米", "公顷", "人次",
    "户次",     "千克",   "公斤",   "吨",     "元",     "亩",     "个",   "座",   "处",   "家",   "人",
    "只",       "头",     "户",     "群",     "条",     "项",     "所",   "名",   "辆",   "台",   "套",
    "件",       "栋",     "间",     "张",     "株",     "棵",     "米",   "%",    NULL,
};

static bool
is_target_delim(uint32_t ch)
{
  return is_clause_delim(ch) || ch == 0x3001 || ch == '(' || ch == ')' || ch == 0x300a || ch == 0x300b ||
         ch == ' ';
}

static const char *const TRAILING_WORDS[] = {"不低于", "不少于", "不超过", "超过", "达到", "突破", "约",
                                             "达",     "超",     "为",     "共",   "计",   NULL};
static const char *const LEADING_WORDS[] = {"以上", "以内", "左右", "多", "的", NULL};

static void
strip_words(const uint32_t *n, size_t *a, size_t *b)
{
  bool again = true;
  while (again && *a < *b) {
    again = false;
    for (int i = 0; TRAILING_WORDS[i]; i++)
      if (lit_ends(n, *a, *b, TRAILING_WORDS[i])) {
        *b -= lit_len(TRAILING_WORDS[i]);
        again = true;
        break;
      }
  }
}

static cJSON *
targets(imp_t *c, const cpbuf *t, int line)
{
  const uint32_t *n = t->n;
  size_t len = t->len;
  cJSON *arr = cJSON_CreateArray();
  if (!arr) {
    c->err = DBN_ENOMEM;
    return NULL;
  }
  /* numbers inside 《》 or “” are parts of names (“人才新政30条”), not
   * targets */
  int book = 0, quote = 0;
  for (size_t i = 0; i < len && !c->err; i++) {
    if (n[i] == 0x300a || n[i] == 0x3008)
      book++;
    else if ((n[i] == 0x300b || n[i] == 0x3009) && book > 0)
      book--;
    else if (n[i] == 0x201c)
      quote++;
    else if (n[i] == 0x201d && quote > 0)
      quote--;
    if (book || quote || !is_digit(n[i]))
      continue;
    if (i > 0 && (is_digit(n[i - 1]) || n[i - 1] == '.' || is_alpha(n[i - 1]) || n[i - 1] == '+' ||
                  n[i - 1] == 0x7b2c))
      continue;
    size_t j = i;
    double mant = 0;
    while (j < len && is_digit(n[j]) && j - i < 15)
      mant = mant * 10 + (n[j++] - '0');
    if (j < len && is_digit(n[j]))
      continue;
    double scale = 1;
    if (j + 1 < len && n[j] == '.' && is_digit(n[j + 1])) {
      j++;
      size_t fs = j;
      while (j < len && is_digit(n[j]) && j - fs < 6) {
        mant = mant * 10 + (n[j++] - '0');
        scale *= 10;
      }
    }
    size_t num_end = j;
    if (j < len && (is_alpha(n[j]) || n[j] == '+' || n[j] == '.')) {
      i = j;
      continue;
    }
    /* a multiplier, then a unit of measure */
    double mult = 1;
    size_t k = j;
    size_t ul = 0;
    const char *unit = NULL;
    for (int u = 0; MEASURES[u] && !unit; u++)
      if ((ul = lit_at(n, k, len, MEASURES[u])))
        unit = MEASURES[u];
    if (!unit) {
      if (lit_at(n, k, len, "万亿"))
        mult = 1e12, k += 2;
      else if (lit_at(n, k, len, "千万"))
        mult = 1e7, k += 2;
      else if (lit_at(n, k, len, "百万"))
        mult = 1e6, k += 2;
      else if (lit_at(n, k, len, "十万"))
        mult = 1e5, k += 2;
      else if (lit_at(n, k, len, "万"))
        mult = 1e4, k += 1;
      else if (lit_at(n, k, len, "亿"))
        mult = 1e8, k += 1;
      if (mult > 1)
        for (int u = 0; MEASURES[u] && !unit; u++)
          if ((ul = lit_at(n, k, len, MEASURES[u])))
            unit = MEASURES[u];
    }
    if (!unit) {
      i = num_end - 1;
      continue;
    }
    /* 万千瓦 is in the list for "5500万千瓦" read without the multiplier */
    if (strcmp(unit, "万千瓦") == 0) {
      mult *= 1e4;
      unit = "千瓦";
    }
    double value = round(mant / scale * mult * 1e6) / 1e6;
    size_t after = k + ul;
    /* what: the words after the number (新建5000个公共充电桩), else the
     * words before it (盘活闲置水指标1000万立方米) without the date and the
     * comparison that lead up to it */
    size_t wa = after, wb = after;
    bool stripped = true;
    while (stripped) {
      stripped = false;
      for (int w = 0; LEADING_WORDS[w]; w++) {
        size_t l = lit_at(n, wa, len, LEADING_WORDS[w]);
        if (l) {
          wa += l;
          stripped = true;
        }
      }
    }
    wb = wa;
    while (wb < len && (!is_target_delim(n[wb]) || (n[wb] == 0x3001 && wb > wa)) && !is_digit(n[wb]) &&
           wb - wa < 24)
      wb++;
    while (wb > wa && (n[wb - 1] == 0x3001 || cp_in(n[wb - 1], "和及与或")))
      wb--;
    if (wb == wa) {
      wb = i;
      wa = i;
      while (wa > 0 && i - wa < 30) {
        if (n[wa - 1] == ')') { /* 名师工作室（站）5个: keep the bracket */
          size_t k2 = wa - 1;
          int depth = 0;
          while (k2 > 0) {
            if (n[k2] == ')')
              depth++;
            else if (n[k2] == '(' && --depth == 0)
              break;
            k2--;
          }
          if (depth != 0 || k2 == 0)
            break;
          wa = k2;
          continue;
        }
        if (is_target_delim(n[wa - 1]))
          break;
        wa--;
      }
      /* a leading date: 2023年底前, 到2025年 */
      size_t p2 = wa;
      if (p2 < wb && cp_in(n[p2], "到至在于"))
        p2++;
      if (p2 < wb && is_digit(n[p2])) {
        while (p2 < wb && is_digit(n[p2]))
          p2++;
        if (p2 < wb && n[p2] == 0x5e74)
          p2++;
        while (p2 < wb && cp_in(n[p2], "年底前末内度"))
          p2++;
        wa = p2;
      }
      strip_words(n, &wa, &wb);
    }
    char *what = encode(c, t->o, wa, wb);
    cJSON *tg = cJSON_CreateObject();
    if (!what || !tg || !cJSON_AddNumberToObject(tg, "value", value) ||
        !cJSON_AddStringToObject(tg, "unit_of_measure", unit) || !cJSON_AddStringToObject(tg, "what", what)) {
      cJSON_Delete(tg);
      c->err = DBN_ENOMEM;
    } else {
      cJSON_AddItemToArray(arr, tg);
    }
    free(what);
    (void)line;
    i = after - 1;
  }
  return arr;
}

/* ---- output ---------------------------------------------------------------------- */

static const char *
unit_name(const imp_t *c, int idx)
{
  return c->u[idx].name;
}

static bool
idx_in(const int *v, size_t n, int x)
{
  for (size_t i = 0; i < n; i++)
    if (v[i] == x)
      return true;
  return false;
}

static cJSON *
names_json(imp_t *c, const int *v, size_t n)
{
  cJSON *arr = cJSON_CreateArray();
  if (!arr) {
    c->err = DBN_ENOMEM;
    return NULL;
  }
  for (size_t i = 0; i < n; i++) {
    cJSON *s = cJSON_CreateString(unit_name(c, v[i]));
    if (!s) {
      c->err = DBN_ENOMEM;
      break;
    }
    cJSON_AddItemToArray(arr, s);
  }
  return arr;
}

static void
fmt_date(char *buf, size_t len, ymd d)
{
  snprintf(buf, len, "%04d-%02d-%02d", d.y, d.m, d.d);
}

/* Register the units of one list, without repeats. */
static size_t
resolve_list(imp_t *c, const strvec *names, int line, int *out, size_t n, size_t max)
{
  for (size_t i = 0; i < names->len && n < max; i++) {
    int idx = unit_register(c, names->v[i], line);
    if (idx >= 0 && !idx_in(out, n, idx))
      out[n++] = idx;
  }
  return n;
}

#define MAX_UNITS_PER_MEASURE 64

static cJSON *
build_plan(imp_t *c)
{
  cJSON *plan = cJSON_CreateObject();
  cJSON *sections = cJSON_CreateArray();
  if (!plan || !sections) {
    cJSON_Delete(plan);
    cJSON_Delete(sections);
    c->err = DBN_ENOMEM;
    return NULL;
  }

  /* first pass: units, owners, synthesized actions, dates */
  ymd latest = {0, 0, 0};
  if (c->have_issued)
    latest = (ymd){c->issued.y, 12, 31};
  typedef struct {
    cJSON *ms;
    cJSON *tg;
    bool dated;
    int owner;
  } act_out;
  size_t total_actions = 0;
  for (size_t si = 0; si < c->ns; si++)
    for (size_t mi = 0; mi < c->s[si].nm; mi++)
      total_actions += c->s[si].m[mi].na + 1;
  act_out *outs = calloc(total_actions + 1, sizeof *outs);
  if (!outs) {
    cJSON_Delete(plan);
    cJSON_Delete(sections);
    c->err = DBN_ENOMEM;
    return NULL;
  }

  size_t ai = 0;
  for (size_t si = 0; si < c->ns && !c->err; si++) {
    section_t *s = &c->s[si];
    for (size_t mi = 0; mi < s->nm && !c->err; mi++) {
      measure_t *m = &s->m[mi];
      /* units written on the items: the measure's are their union */
      if (m->lead.len == 0 && m->coop.len == 0) {
        for (size_t k = 0; k < m->na; k++) {
          for (size_t x = 0; x < m->a[k].lead.len; x++)
            if (!strvec_has(&m->lead, m->a[k].lead.v[x]))
              strvec_push(c, &m->lead, dup_str(c, m->a[k].lead.v[x]));
        }
        for (size_t k = 0; k < m->na; k++) {
          for (size_t x = 0; x < m->a[k].coop.len; x++)
            if (!strvec_has(&m->lead, m->a[k].coop.v[x]) && !strvec_has(&m->coop, m->a[k].coop.v[x]))
              strvec_push(c, &m->coop, dup_str(c, m->a[k].coop.v[x]));
        }
      }
      /* a measure whose actions have owners but that names no lead unit:
       * the owners answer for it */
      if (m->lead.len == 0 && m->na > 0) {
        for (size_t k = 0; k < m->na; k++)
          if (m->a[k].owner && !strvec_has(&m->lead, m->a[k].owner))
            strvec_push(c, &m->lead, dup_str(c, m->a[k].owner));
        if (m->lead.len)
          report_add(c, m->line, "structure",
                     "measure %s.%s names no lead unit: its lead units are taken from its actions' owners",
                     s->number, m->number);
      }
      if (m->lead.len > 0 && m->na == 0) {
        action_t *a = new_action(c, m, 1, m->line);
        if (a)
          cpbuf_append(c, &a->text, m->text.o, m->text.n, m->text.len);
        report_add(c, m->line, "structure",
                   "measure %s.%s names lead units but no actions: the measure itself is read as action 1",
                   s->number, m->number);
      }
      if (m->lead.len == 0 && m->na == 0)
        report_add(c, m->line, "general",
                   "measure %s.%s names no units: kept as a general requirement, no tasks", s->number,
                   m->number);
    }
  }
  /* synthesized actions may have grown the arrays */
  total_actions = 0;
  for (size_t si = 0; si < c->ns; si++)
    for (size_t mi = 0; mi < c->s[si].nm; mi++)
      total_actions += c->s[si].m[mi].na;
  act_out *bigger = realloc(outs, (total_actions + 1) * sizeof *outs);
  if (!bigger) {
    free(outs);
    cJSON_Delete(plan);
    cJSON_Delete(sections);
    c->err = DBN_ENOMEM;
    return NULL;
  }
  outs = bigger;
  memset(outs, 0, (total_actions + 1) * sizeof *outs);

  /* units in order of appearance; owners checked against their measure */
  int(*mlead)[MAX_UNITS_PER_MEASURE] = NULL;
  size_t total_measures = 0;
  for (size_t si = 0; si < c->ns; si++)
    total_measures += c->s[si].nm;
  mlead = calloc(total_measures + 1, sizeof *mlead);
  int(*mcoop)[MAX_UNITS_PER_MEASURE] = calloc(total_measures + 1, sizeof *mcoop);
  size_t *nlead = calloc(total_measures + 1, sizeof *nlead),
         *ncoop = calloc(total_measures + 1, sizeof *ncoop);
  if (!mlead || !mcoop || !nlead || !ncoop)
    c->err = DBN_ENOMEM;
  size_t gm = 0;
  ai = 0;
  for (size_t si = 0; si < c->ns && !c->err; si++) {
    section_t *s = &c->s[si];
    for (size_t mi = 0; mi < s->nm && !c->err; mi++, gm++) {
      measure_t *m = &s->m[mi];
      nlead[gm] = resolve_list(c, &m->lead, m->line, mlead[gm], 0, MAX_UNITS_PER_MEASURE);
      ncoop[gm] = resolve_list(c, &m->coop, m->line, mcoop[gm], 0, MAX_UNITS_PER_MEASURE);
      for (size_t k = 0; k < m->na && !c->err; k++, ai++) {
        action_t *a = &m->a[k];
        int owner = -1;
        if (a->owner) {
          owner = unit_register(c, a->owner, a->line);
        } else if (nlead[gm] > 0) {
          owner = mlead[gm][0];
          if (nlead[gm] > 1)
            report_add(c, a->line, "owner",
                       "action %s.%s.%s names no unit: owned by the measure's first lead unit %s", s->number,
                       m->number, a->number, unit_name(c, owner));
        }
        outs[ai].owner = owner;
        if (owner < 0) {
          report_add(c, a->line, "structure", "action %s.%s.%s has no owning unit: left out", s->number,
                     m->number, a->number);
          continue;
        }
        if (!idx_in(mlead[gm], nlead[gm], owner) && !idx_in(mcoop[gm], ncoop[gm], owner))
          report_add(c, a->line, "owner",
                     "the owner of action %s.%s.%s, %s, is not among measure %s.%s's units", s->number,
                     m->number, a->number, unit_name(c, owner), s->number, m->number);
        outs[ai].ms = milestones(c, &a->text, a->line, &latest, &outs[ai].dated);
        outs[ai].tg = targets(c, &a->text, a->line);
      }
    }
  }
  if (!c->have_issued && !c->err) {
    report_add(c, 0, "header",
               "no issuing date found: issued is taken as the start of the first deadline's year");
    c->issued = latest.y ? (ymd){latest.y, 1, 1} : (ymd){1970, 1, 1};
  }
  c->horizon = latest.y ? latest : c->issued;
  assign_codes(c);

  char buf[32];
  cJSON_AddStringToObject(plan, "format", "duban-plan/1");
  cJSON_AddStringToObject(plan, "id", c->id ? c->id : "");
  cJSON_AddStringToObject(plan, "document", c->document ? c->document : "");
  cJSON_AddStringToObject(plan, "title", c->title ? c->title : "");
  fmt_date(buf, sizeof buf, c->issued);
  cJSON_AddStringToObject(plan, "issued", buf);
  char horizon[32];
  fmt_date(horizon, sizeof horizon, c->horizon);
  cJSON_AddStringToObject(plan, "horizon", horizon);
  cJSON *units = cJSON_AddArrayToObject(plan, "units");
  for (size_t i = 0; units && i < c->nu && !c->err; i++) {
    cJSON *u = cJSON_CreateObject();
    cJSON_AddItemToArray(units, u);
    cJSON_AddStringToObject(u, "code", c->u[i].code ? c->u[i].code : "");
    cJSON_AddStringToObject(u, "name", c->u[i].name);
    cJSON *al = cJSON_AddArrayToObject(u, "aliases");
    for (size_t k = 0; al && k < c->u[i].aliases.len; k++)
      cJSON_AddItemToArray(al, cJSON_CreateString(c->u[i].aliases.v[k]));
  }
  cJSON_AddItemToObject(plan, "sections", sections);

  gm = 0;
  ai = 0;
  for (size_t si = 0; si < c->ns && !c->err; si++) {
    section_t *s = &c->s[si];
    cJSON *sj = cJSON_CreateObject();
    cJSON_AddItemToArray(sections, sj);
    cJSON_AddStringToObject(sj, "number", s->number);
    cJSON_AddStringToObject(sj, "title", s->title ? s->title : "");
    cJSON *mj_arr = cJSON_AddArrayToObject(sj, "measures");
    for (size_t mi = 0; mi < s->nm && !c->err; mi++, gm++) {
      measure_t *m = &s->m[mi];
      cJSON *mj = cJSON_CreateObject();
      cJSON_AddItemToArray(mj_arr, mj);
      cJSON_AddStringToObject(mj, "number", m->number);
      char *text = encode_limited(c, m->text.o, 0, m->text.len, m->line, "a measure's text");
      cJSON_AddStringToObject(mj, "text", text ? text : "");
      free(text);
      cJSON_AddItemToObject(mj, "lead", names_json(c, mlead[gm], nlead[gm]));
      cJSON_AddItemToObject(mj, "cooperating", names_json(c, mcoop[gm], ncoop[gm]));
      cJSON_AddNumberToObject(mj, "source_line", m->line);
      cJSON *aj_arr = cJSON_AddArrayToObject(mj, "actions");
      for (size_t k = 0; k < m->na && !c->err; k++, ai++) {
        action_t *a = &m->a[k];
        if (outs[ai].owner < 0)
          continue;
        cJSON *aj = cJSON_CreateObject();
        cJSON_AddItemToArray(aj_arr, aj);
        char id[DBN_MAX_ID * 2];
        snprintf(id, sizeof id, "%s:%s.%s.%s", c->id, s->number, m->number, a->number);
        if (strlen(id) > DBN_MAX_ID)
          report_add(c, a->line, "limit", "task id %s is longer than %d bytes", id, DBN_MAX_ID);
        cJSON_AddStringToObject(aj, "id", id);
        cJSON_AddStringToObject(aj, "number", a->number);
        char *atext = encode_limited(c, a->text.o, 0, a->text.len, a->line, "an action's text");
        cJSON_AddStringToObject(aj, "text", atext ? atext : "");
        free(atext);
        cJSON_AddStringToObject(aj, "unit", unit_name(c, outs[ai].owner));
        cJSON *ms = outs[ai].ms;
        outs[ai].ms = NULL;
        if (ms && !outs[ai].dated) {
          cJSON *one = cJSON_CreateObject();
          cJSON_AddStringToObject(one, "due", horizon);
          cJSON_AddStringToObject(one, "text", "");
          cJSON_AddBoolToObject(one, "inherited", 1);
          cJSON_AddItemToArray(ms, one);
          report_add(c, a->line, "inherited",
                     "action %s.%s.%s names no date: it inherits the plan's horizon %s", s->number, m->number,
                     a->number, horizon);
        }
        cJSON_AddItemToObject(aj, "milestones", ms ? ms : cJSON_CreateArray());
        cJSON_AddItemToObject(aj, "targets", outs[ai].tg ? outs[ai].tg : cJSON_CreateArray());
        outs[ai].tg = NULL;
        cJSON_AddNumberToObject(aj, "source_line", a->line);
      }
    }
  }
  for (size_t i = 0; i < total_actions; i++) {
    cJSON_Delete(outs[i].ms);
    cJSON_Delete(outs[i].tg);
  }
  free(outs);
  free(mlead);
  free(mcoop);
  free(nlead);
  free(ncoop);
  return plan;
}

/* Numbers repeated within their parent would make two tasks share an id:
 * a repeat gets one more than the largest number among its siblings (never
 * a number a later sibling already has), and the report says so. */
static bool
renumber(imp_t *c, char **numbers, size_t stride, size_t count, size_t i, int line, const char *what,
         const char *where)
{
  char **mine = (char **)((char *)numbers + i * stride);
  bool repeat = false;
  for (size_t j = 0; j < i && !repeat; j++) {
    char **other = (char **)((char *)numbers + j * stride);
    repeat = *other && *mine && strcmp(*other, *mine) == 0;
  }
  if (!repeat)
    return false;
  long max = 0;
  for (size_t j = 0; j < count; j++) {
    char **other = (char **)((char *)numbers + j * stride);
    long v = *other ? strtol(*other, NULL, 10) : 0;
    if (v > max)
      max = v;
  }
  char buf[24];
  snprintf(buf, sizeof buf, "%ld", max + 1);
  report_add(c, line, "structure", "%s number %s repeats%s: renumbered %s", what, *mine, where, buf);
  free(*mine);
  *mine = dup_str(c, buf);
  return true;
}

static void
check_numbers(imp_t *c)
{
  char where[64];
  for (size_t si = 0; si < c->ns && !c->err; si++)
    renumber(c, &c->s[0].number, sizeof c->s[0], c->ns, si, c->s[si].line, "section", "");
  for (size_t si = 0; si < c->ns && !c->err; si++) {
    section_t *s = &c->s[si];
    snprintf(where, sizeof where, " in section %s", s->number ? s->number : "?");
    for (size_t mi = 0; mi < s->nm && !c->err; mi++)
      renumber(c, &s->m[0].number, sizeof s->m[0], s->nm, mi, s->m[mi].line, "measure", where);
    for (size_t mi = 0; mi < s->nm && !c->err; mi++) {
      measure_t *m = &s->m[mi];
      snprintf(where, sizeof where, " in measure %s.%s", s->number ? s->number : "?",
               m->number ? m->number : "?");
      for (size_t ai = 0; ai < m->na && !c->err; ai++)
        renumber(c, &m->a[0].number, sizeof m->a[0], m->na, ai, m->a[ai].line, "item", where);
    }
  }
}

static void
imp_free(imp_t *c)
{
  for (size_t si = 0; si < c->ns; si++) {
    section_t *s = &c->s[si];
    for (size_t mi = 0; mi < s->nm; mi++) {
      measure_t *m = &s->m[mi];
      for (size_t k = 0; k < m->na; k++) {
        action_t *a = &m->a[k];
        free(a->number);
        cpbuf_free(&a->text);
        free(a->owner);
        strvec_free(&a->lead);
        strvec_free(&a->coop);
      }
      free(m->a);
      free(m->number);
      cpbuf_free(&m->text);
      strvec_free(&m->lead);
      strvec_free(&m->coop);
    }
    free(s->m);
    free(s->number);
    free(s->title);
  }
  free(c->s);
  for (size_t i = 0; i < c->nu; i++) {
    free(c->u[i].name);
    free(c->u[i].code);
    strvec_free(&c->u[i].aliases);
  }
  free(c->u);
  free(c->o);
  free(c->n);
  free(c->lines);
  free(c->document);
  free(c->title);
  free(c->id);
}

int
dbn_plan_import(const char *bytes, size_t len, const dbn_plan_import_options_t *options, cJSON **plan_p,
                cJSON **report_p, char *why, size_t why_len)
{
  char scratch[8];
  if (!why || why_len == 0) {
    why = scratch;
    why_len = sizeof scratch;
  }
  why[0] = '\0';
  if (plan_p)
    *plan_p = NULL;
  if (report_p)
    *report_p = NULL;
  if (!plan_p || !report_p || (!bytes && len > 0)) {
    snprintf(why, why_len, "dbn_plan_import: missing argument");
    return DBN_EINVAL;
  }
  if (len > DBN_PLAN_IMPORT_MAX_INPUT) {
    snprintf(why, why_len, "the document is %zu bytes, more than the %d a plan may have", len,
             DBN_PLAN_IMPORT_MAX_INPUT);
    return DBN_ETOOBIG;
  }
  if (options && options->id && (!valid_id(options->id) || strchr(options->id, ':'))) {
    snprintf(why, why_len, "plan id \"%.80s\" must be 1-64 ASCII letters, digits, '-', '_' or '.'",
             options->id);
    return DBN_EINVAL;
  }
  if (options && options->units) {
    int rc = check_units_file(options->units, why, why_len);
    if (rc)
      return rc;
  }
  imp_t c;
  memset(&c, 0, sizeof c);
  c.opt = options;
  c.report = cJSON_CreateArray();
  if (!c.report)
    return DBN_ENOMEM;
  int rc = read_input(&c, bytes ? bytes : "", len, why, why_len);
  if (!rc)
    rc = parse_structure(&c, why, why_len);
  cJSON *plan = NULL;
  if (!rc) {
    check_numbers(&c);
    plan = build_plan(&c);
    rc = c.err;
  }
  if (rc == DBN_ENOMEM && !why[0])
    snprintf(why, why_len, "out of memory");
  imp_free(&c);
  if (rc) {
    cJSON_Delete(plan);
    cJSON_Delete(c.report);
    return rc;
  }
  *plan_p = plan;
  *report_p = c.report;
  return 0;
}

static int
read_file(const char *path, char **buf_p, size_t *len_p, char *why, size_t why_len)
{
  FILE *f = fopen(path, "rb");
  if (!f) {
    snprintf(why, why_len, "%s: %s", path, strerror(errno));
    return DBN_EIO;
  }
  size_t cap = 65536, len = 0;
  char *buf = malloc(cap + 1);
  int rc = 0;
  while (buf) {
    if (len == cap) {
      if (cap > DBN_PLAN_IMPORT_MAX_INPUT) {
        snprintf(why, why_len, "%s: larger than %d bytes", path, DBN_PLAN_IMPORT_MAX_INPUT);
        rc = DBN_ETOOBIG;
        break;
      }
      char *bigger = realloc(buf, cap * 2 + 1);
      if (!bigger)
        break;
      buf = bigger;
      cap *= 2;
    }
    size_t got = fread(buf + len, 1, cap - len, f);
    len += got;
    if (got == 0) {
      if (ferror(f)) {
        snprintf(why, why_len, "%s: read error", path);
        rc = DBN_EIO;
      }
      break;
    }
  }
  fclose(f);
  if (!buf) {
    snprintf(why, why_len, "out of memory");
    return DBN_ENOMEM;
  }
  if (rc) {
    free(buf);
    return rc;
  }
  buf[len] = '\0';
  *buf_p = buf;
  *len_p = len;
  return 0;
}

int
dbn_plan_import_file(const char *path, const char *units_path, const char *id, cJSON **plan_p,
                     cJSON **report_p, char *why, size_t why_len)
{
  char *buf = NULL, *ubuf = NULL;
  size_t len = 0, ulen = 0;
  cJSON *units = NULL;
  *plan_p = NULL;
  *report_p = NULL;
  int rc = read_file(path, &buf, &len, why, why_len);
  if (rc)
    return rc;
  if (units_path) {
    rc = read_file(units_path, &ubuf, &ulen, why, why_len);
    if (rc) {
      free(buf);
      return rc;
    }
    units = cJSON_ParseWithLength(ubuf, ulen);
    if (!units) {
      snprintf(why, why_len, "%s: not valid JSON", units_path);
      free(buf);
      free(ubuf);
      return DBN_EINVAL;
    }
  }
  /* the file's stem: without directory and extension */
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  char stem[128];
  snprintf(stem, sizeof stem, "%s", base);
  char *dot = strrchr(stem, '.');
  if (dot && dot != stem)
    *dot = '\0';
  dbn_plan_import_options_t opt = {.id = id, .file_stem = stem, .units = units};
  rc = dbn_plan_import(buf, len, &opt, plan_p, report_p, why, why_len);
  cJSON_Delete(units);
  free(buf);
  free(ubuf);
  return rc;
}
