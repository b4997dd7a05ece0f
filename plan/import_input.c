/* import_input.c: the importer's first phase, bytes in, code points and
 * lines out.
 *
 * A byte order mark is skipped; UTF-16 (by its mark) and GB18030/GBK (when
 * the bytes are not UTF-8) are converted with iconv, and the conversion is
 * reported. Input that is none of these, or binary, is refused with a
 * message naming the line. The text is then decoded twice over, as typed
 * and normalized (see plan_import.c), and split into trimmed lines; a lone
 * CR breaks a line too, and invisible control characters become spaces.
 *
 * Validation is common/utf8.h's (dbn_utf8_next, dbn_utf8_valid): the
 * importer's rule is the same (no overlong forms, surrogates, code points
 * above U+10FFFF or truncated sequences; NUL and controls are judged
 * here), and it only adds where the first bad byte is, for the message. */
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "import_internal.h"
#include "utf8.h"
#include "lang.h"

/* ---- encodings ----------------------------------------------------------------- */

static int
line_of_offset(const char *bytes, size_t offset)
{
  int line = 1;
  for (size_t i = 0; i < offset; i++)
    if (bytes[i] == '\n')
      line++;
  return line;
}

/* Convert with iconv into a new malloc'd UTF-8 buffer; on DBN_EINVAL
 * *bad_offset_p is where the input stopped converting. */
static int
convert(const char *from, const char *in, size_t len, char **out_p, size_t *out_len_p, size_t *bad_offset_p)
{
  iconv_t converter = iconv_open("UTF-8", from);
  if (converter == (iconv_t)-1)
    return DBN_EINVAL;
  size_t capacity = len * 2 + 16;
  char *out = malloc(capacity);
  if (!out) {
    iconv_close(converter);
    return DBN_ENOMEM;
  }
  char *in_at = (char *)in; /* iconv's prototype is not const-correct */
  size_t in_left = len, used = 0;
  int rc = 0;
  while (in_left > 0) {
    char *out_at = out + used;
    size_t out_left = capacity - used;
    size_t converted = iconv(converter, &in_at, &in_left, &out_at, &out_left);
    used = (size_t)(out_at - out);
    if (converted != (size_t)-1)
      break;
    if (errno == E2BIG) {
      char *bigger = realloc(out, capacity * 2);
      if (!bigger) {
        rc = DBN_ENOMEM;
        break;
      }
      out = bigger;
      capacity *= 2;
      continue;
    }
    *bad_offset_p = (size_t)(in_at - in);
    rc = DBN_EINVAL;
    break;
  }
  iconv_close(converter);
  if (rc) {
    free(out);
    return rc;
  }
  *out_p = out;
  *out_len_p = used;
  return 0;
}

static bool
has_utf16_bom(const char *bytes, size_t len)
{
  return len >= 2 && ((unsigned char)bytes[0] == 0xff || (unsigned char)bytes[0] == 0xfe) &&
         ((unsigned char)bytes[1] ^ (unsigned char)bytes[0]) == 0x01;
}

static int
from_utf16(importer_t *importer, const char *text, size_t len, char **converted_p, size_t *converted_len_p,
           char *why, size_t why_len)
{
  size_t bad = 0;
  int rc = convert("UTF-16", text, len, converted_p, converted_len_p, &bad);
  if (rc == DBN_ENOMEM)
    return rc;
  if (rc) {
    snprintf(
        why, why_len,
        dbn_tr("UTF-16 输入在第 %zu 字节处有无效序列", "UTF-16 input with an invalid sequence at byte %zu"),
        bad);
    return DBN_EINVAL;
  }
  import_report(importer, 0, "encoding", dbn_tr("已从 UTF-16 转换", "converted from UTF-16"));
  return 0;
}

/* text (bytes after any UTF-8 byte order mark) is not UTF-8 from
 * utf8_bad on: try it as GB18030/GBK. */
static int
from_gb18030(importer_t *importer, const char *bytes, const char *text, size_t len, size_t utf8_bad,
             char **converted_p, size_t *converted_len_p, char *why, size_t why_len)
{
  size_t gb_bad = 0;
  int rc = convert("GB18030", text, len, converted_p, converted_len_p, &gb_bad);
  if (rc == DBN_ENOMEM)
    return rc;
  if (rc) {
    snprintf(
        why, why_len,
        dbn_tr("不是 UTF-8（第 %2$d 行有无效字节 0x%1$02x），也不是 GB18030/GBK（第 %3$d 行无效）："
               "请先把文件转换为 UTF-8",
               "not UTF-8 (invalid byte 0x%02x at line %d) and not GB18030/GBK either (invalid at line %d): "
               "convert the file to UTF-8 first"),
        (unsigned char)text[utf8_bad], line_of_offset(text, utf8_bad), line_of_offset(text, gb_bad));
    return DBN_EINVAL;
  }
  if (!dbn_utf8_valid(*converted_p, *converted_len_p)) { /* iconv bug guard */
    free(*converted_p);
    *converted_p = NULL;
    snprintf(why, why_len,
             dbn_tr("从 GB18030 转换得到的 UTF-8 无效", "conversion from GB18030 produced invalid UTF-8"));
    return DBN_EINVAL;
  }
  import_report(importer, 0, "encoding",
                dbn_tr("不是 UTF-8（第一个无效字节在第 %d 行）：按 GB18030/GBK 读取",
                       "not UTF-8 (first invalid byte at line %d): read as GB18030/GBK"),
                line_of_offset(bytes, utf8_bad));
  return 0;
}

/* The document as UTF-8 in *utf8_p, *utf8_len_p: the bytes themselves
 * (without a byte order mark) or *converted_p, a converted copy for the
 * caller to free (NULL when nothing was converted). */
static int
as_utf8(importer_t *importer, const char *bytes, size_t len, const char **utf8_p, size_t *utf8_len_p,
        char **converted_p, char *why, size_t why_len)
{
  const char *text = bytes;
  *converted_p = NULL;
  if (len >= 3 && memcmp(bytes, "\xef\xbb\xbf", 3) == 0) {
    text += 3;
    len -= 3;
  }
  *utf8_p = text;
  *utf8_len_p = len;
  int rc = 0;
  if (has_utf16_bom(text, len)) {
    rc = from_utf16(importer, text, len, converted_p, utf8_len_p, why, why_len);
  } else {
    size_t bad = dbn_utf8_first_refused(text, len, NULL);
    if (bad < len)
      rc = from_gb18030(importer, bytes, text, len, bad, converted_p, utf8_len_p, why, why_len);
  }
  if (!rc && *converted_p)
    *utf8_p = *converted_p;
  return rc;
}

/* GB18030 maps almost every byte sequence to something, so a successful
 * conversion alone does not prove the file was GB18030: text in another
 * legacy encoding, or binary junk, comes out as rare characters, private
 * use and controls. Real GB18030/GBK documents are common CJK, ASCII and
 * CJK punctuation. */
static bool
looks_like_text(const uint32_t *typed, size_t length)
{
  size_t odd = 0, total = 0;
  for (size_t i = 0; i < length; i++) {
    uint32_t cp = typed[i];
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

/* ---- code points and lines ----------------------------------------------------------- */

/* Decode UTF-8 into importer->typed; normalized is filled per line. */
static int
decode(importer_t *importer, const char *utf8, size_t len)
{
  importer->typed = malloc((len + 1) * sizeof *importer->typed);
  importer->normalized = malloc((len + 1) * sizeof *importer->normalized);
  if (!importer->typed || !importer->normalized)
    return DBN_ENOMEM;
  size_t count = 0, at = 0;
  while (at < len) {
    unsigned cp;
    size_t step = dbn_utf8_next(utf8 + at, len - at, &cp);
    if (step == 0) { /* cannot happen: the text was checked, or came from iconv */
      cp = 0xfffd;
      step = 1;
    }
    importer->typed[count++] = cp;
    at += step;
  }
  importer->length = count;
  return 0;
}

/* Normalize the code point at i, which breaks no line. Controls other than
 * tab are replaced by spaces: they are invisible in the document and
 * would be refused on the wire. Returns true if one was replaced. */
static bool
clean_code_point(importer_t *importer, size_t i)
{
  uint32_t *typed = importer->typed;
  uint32_t cp = typed[i];
  if (cp == '\r') { /* before a LF */
    importer->normalized[i] = ' ';
    return false;
  }
  bool control =
      (cp < 0x20 && cp != '\t' && cp != '\f' && cp != '\v') || cp == 0x7f || (cp >= 0x80 && cp < 0xa0);
  if (control)
    typed[i] = ' ';
  importer->normalized[i] = cp_normalize(typed[i]);
  /* the typed text keeps full-width characters but not invisible
   * controls or byte order marks */
  if (typed[i] == '\f' || typed[i] == '\v' || typed[i] == 0xfeff)
    typed[i] = ' ';
  return control;
}

static int
split_lines(importer_t *importer)
{
  size_t capacity = 0;
  int controls_line = 0; /* the first line with a control character */
  size_t start = 0;
  int number = 1;
  const uint32_t *typed = importer->typed;
  for (size_t i = 0; i <= importer->length; i++) {
    bool end_of_line = i == importer->length || typed[i] == '\n' ||
                       (typed[i] == '\r' && (i + 1 == importer->length || typed[i + 1] != '\n'));
    if (!end_of_line) {
      if (clean_code_point(importer, i) && !controls_line)
        controls_line = number;
      continue;
    }
    if (i < importer->length)
      importer->normalized[i] = '\n';
    if (!import_grow(importer, (void **)&importer->lines, &capacity, importer->line_count + 1,
                     sizeof *importer->lines))
      return DBN_ENOMEM;
    line_t *line = &importer->lines[importer->line_count++];
    line->start = start;
    line->end = i;
    cp_trim(importer->normalized, &line->start, &line->end);
    line->number = number++;
    start = i + 1;
  }
  if (controls_line)
    import_report(importer, controls_line, "encoding",
                  dbn_tr("控制字符已替换为空格（第一个在这一行）",
                         "control characters replaced by spaces (first at this line)"));
  return 0;
}

int
import_read_input(importer_t *importer, const char *bytes, size_t len, char *why, size_t why_len)
{
  const char *utf8;
  size_t utf8_len;
  char *converted;
  int rc = as_utf8(importer, bytes, len, &utf8, &utf8_len, &converted, why, why_len);
  if (rc)
    return rc;
  const char *nul = memchr(utf8, '\0', utf8_len);
  if (nul) {
    snprintf(why, why_len,
             dbn_tr("二进制数据：第 %d 行有 NUL 字节；计划文件应是文本",
                    "binary data: a NUL byte at line %d; a plan document is text"),
             line_of_offset(utf8, (size_t)(nul - utf8)));
    free(converted);
    return DBN_EINVAL;
  }
  bool was_converted = converted != NULL;
  rc = decode(importer, utf8, utf8_len);
  free(converted);
  if (rc)
    return rc;
  if (was_converted && !looks_like_text(importer->typed, importer->length)) {
    snprintf(
        why, why_len,
        dbn_tr("既不是 UTF-8 也不是 GB18030/GBK 文本（解码出的是不常见的字符）：请转换为 UTF-8",
               "neither UTF-8 nor GB18030/GBK text (it decodes to unusual characters): convert it to UTF-8"));
    return DBN_EINVAL;
  }
  rc = split_lines(importer);
  if (!rc && import_unflatten_tables(importer))
    rc = split_lines(importer);
  return rc ? rc : importer->error;
}
