/* import_text.c: the plan importer's small tools: the report, allocation
 * that records failure, string lists and parallel code point text, and
 * the code point helpers every phase matches the document with (literals,
 * normalization, Chinese numerals, UTF-8 out). See import_internal.h.
 *
 * Decoding UTF-8 is common/utf8.h's: the literals matched here are this
 * module's own (valid) strings, read with dbn_utf8_decode. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "import_internal.h"
#include "utf8.h"
#include "wire.h"
#include "lang.h"

void
import_report(importer_t *importer, int line, const char *kind, const char *format, ...)
{
  char message[1024];
  va_list args;
  va_start(args, format);
  vsnprintf(message, sizeof message, format, args);
  va_end(args);
  cJSON *entry = cJSON_CreateObject();
  if (!entry || !cJSON_AddNumberToObject(entry, "line", line) ||
      !cJSON_AddStringToObject(entry, "kind", kind) || !cJSON_AddStringToObject(entry, "message", message)) {
    cJSON_Delete(entry);
    importer->error = DBN_ENOMEM;
    return;
  }
  cJSON_AddItemToArray(importer->report, entry);
}

bool
import_grow(importer_t *importer, void **array, size_t *capacity, size_t need, size_t element_size)
{
  if (need <= *capacity)
    return true;
  size_t new_capacity = *capacity ? *capacity * 2 : 8;
  while (new_capacity < need)
    new_capacity *= 2;
  void *grown = realloc(*array, new_capacity * element_size);
  if (!grown) {
    importer->error = DBN_ENOMEM;
    return false;
  }
  memset((char *)grown + *capacity * element_size, 0, (new_capacity - *capacity) * element_size);
  *array = grown;
  *capacity = new_capacity;
  return true;
}

char *
import_strdup(importer_t *importer, const char *text)
{
  char *copy = strdup(text);
  if (!copy)
    importer->error = DBN_ENOMEM;
  return copy;
}

/* ---- string lists ------------------------------------------------------------ */

void
strvec_push(importer_t *importer, strvec_t *list, char *text)
{
  if (!text)
    return;
  if (!import_grow(importer, (void **)&list->items, &list->capacity, list->count + 1, sizeof *list->items)) {
    free(text);
    return;
  }
  list->items[list->count++] = text;
}

void
strvec_push_copies(importer_t *importer, strvec_t *list, const strvec_t *from)
{
  for (size_t i = 0; i < from->count; i++)
    strvec_push(importer, list, import_strdup(importer, from->items[i]));
}

bool
strvec_has(const strvec_t *list, const char *text)
{
  for (size_t i = 0; i < list->count; i++)
    if (strcmp(list->items[i], text) == 0)
      return true;
  return false;
}

void
strvec_free(strvec_t *list)
{
  for (size_t i = 0; i < list->count; i++)
    free(list->items[i]);
  free(list->items);
  list->items = NULL;
  list->count = list->capacity = 0;
}

/* ---- parallel code point text -------------------------------------------------- */

void
cptext_append(importer_t *importer, cptext_t *text, const uint32_t *typed, const uint32_t *normalized,
              size_t length)
{
  if (length == 0)
    return;
  size_t need = text->length + length;
  if (need > text->capacity) {
    size_t new_capacity = text->capacity ? text->capacity * 2 : 64;
    while (new_capacity < need)
      new_capacity *= 2;
    uint32_t *grown_typed = realloc(text->typed, new_capacity * sizeof *grown_typed);
    if (!grown_typed) {
      importer->error = DBN_ENOMEM;
      return;
    }
    text->typed = grown_typed;
    uint32_t *grown_normalized = realloc(text->normalized, new_capacity * sizeof *grown_normalized);
    if (!grown_normalized) {
      importer->error = DBN_ENOMEM;
      return;
    }
    text->normalized = grown_normalized;
    text->capacity = new_capacity;
  }
  memcpy(text->typed + text->length, typed, length * sizeof *typed);
  memcpy(text->normalized + text->length, normalized, length * sizeof *normalized);
  text->length += length;
}

void
cptext_append_paragraph(importer_t *importer, cptext_t *text, const uint32_t *typed,
                        const uint32_t *normalized, size_t length)
{
  if (text->length) {
    uint32_t newline = '\n';
    cptext_append(importer, text, &newline, &newline, 1);
  }
  cptext_append(importer, text, typed, normalized, length);
}

void
cptext_free(cptext_t *text)
{
  free(text->typed);
  free(text->normalized);
  memset(text, 0, sizeof *text);
}

/* ---- literals -------------------------------------------------------------------- */

static uint32_t
literal_next(const char **literal)
{
  unsigned cp;
  *literal += dbn_utf8_decode(*literal, &cp);
  return cp;
}

size_t
literal_length(const char *literal)
{
  size_t count = 0;
  while (*literal) {
    literal_next(&literal);
    count++;
  }
  return count;
}

size_t
literal_at(const uint32_t *text, size_t at, size_t end, const char *literal)
{
  size_t k = at;
  while (*literal) {
    uint32_t cp = literal_next(&literal);
    if (k >= end || text[k] != cp)
      return 0;
    k++;
  }
  return k - at;
}

bool
literal_ends(const uint32_t *text, size_t start, size_t end, const char *literal)
{
  size_t length = literal_length(literal);
  return end - start >= length && literal_at(text, end - length, end, literal) == length;
}

size_t
literal_find(const uint32_t *text, size_t start, size_t end, const char *literal)
{
  for (size_t i = start; i < end; i++)
    if (literal_at(text, i, end, literal))
      return i;
  return SIZE_MAX;
}

bool
cp_in_set(uint32_t cp, const char *set)
{
  while (*set)
    if (literal_next(&set) == cp)
      return true;
  return false;
}

/* ---- normalization and numerals ------------------------------------------------------ */

/* Traditional characters of the words the parser looks for (牽頭單位,
 * 責任, 按職責分工負責, unit endings 辦 廳 會 …) read as simplified, so that a
 * document published in traditional characters is read; the typed text,
 * and so every name in the plan, keeps the document's characters. Sorted
 * by the traditional code point. */
static const struct {
  uint32_t traditional, simplified;
} TRADITIONAL[] = {
    {0x500b, 0x4e2a}, {0x5099, 0x5907}, {0x512a, 0x4f18}, {0x5167, 0x5185}, {0x5275, 0x521b},
    {0x5283, 0x5212}, {0x52d5, 0x52a8}, {0x52d9, 0x52a1}, {0x5340, 0x533a}, {0x5354, 0x534f},
    {0x554f, 0x95ee}, {0x55ae, 0x5355}, {0x570b, 0x56fd}, {0x5712, 0x56ed}, {0x5718, 0x56e2},
    {0x5831, 0x62a5}, {0x5834, 0x573a}, {0x5b78, 0x5b66}, {0x5be6, 0x5b9e}, {0x5be9, 0x5ba1},
    {0x5c07, 0x5c06}, {0x5c0d, 0x5bf9}, {0x5c0e, 0x5bfc}, {0x5c46, 0x5c4a}, {0x5c6c, 0x5c5e},
    {0x5ee0, 0x5382}, {0x5ef3, 0x5385}, {0x5f9e, 0x4ece}, {0x5fb9, 0x5f7b}, {0x61c9, 0x5e94},
    {0x64da, 0x636e}, {0x6578, 0x6570}, {0x65bc, 0x4e8e}, {0x6642, 0x65f6}, {0x6703, 0x4f1a},
    {0x689d, 0x6761}, {0x696d, 0x4e1a}, {0x69cb, 0x6784}, {0x6a19, 0x6807}, {0x6a5f, 0x673a},
    {0x6aa2, 0x68c0}, {0x6b77, 0x5386}, {0x6c7a, 0x51b3}, {0x6e2c, 0x6d4b}, {0x6e96, 0x51c6},
    {0x6fdf, 0x6d4e}, {0x7063, 0x6e7e}, {0x70ba, 0x4e3a}, {0x71df, 0x8425}, {0x727d, 0x7275},
    {0x73fe, 0x73b0}, {0x74b0, 0x73af}, {0x7522, 0x4ea7}, {0x7576, 0x5f53}, {0x7642, 0x7597},
    {0x767c, 0x53d1}, {0x7926, 0x77ff}, {0x7a05, 0x7a0e}, {0x7a2e, 0x79cd}, {0x7bc4, 0x8303},
    {0x7d1a, 0x7ea7}, {0x7d44, 0x7ec4}, {0x7d61, 0x7edc}, {0x7d71, 0x7edf}, {0x7d93, 0x7ecf},
    {0x7db2, 0x7f51}, {0x7dda, 0x7ebf}, {0x7e23, 0x53bf}, {0x7e3d, 0x603b}, {0x7e8c, 0x7eed},
    {0x7fd2, 0x4e60}, {0x8077, 0x804c}, {0x81fa, 0x53f0}, {0x8207, 0x4e0e}, {0x83ef, 0x534e},
    {0x85e5, 0x836f}, {0x8655, 0x5904}, {0x865f, 0x53f7}, {0x885b, 0x536b}, {0x898f, 0x89c4},
    {0x8a08, 0x8ba1}, {0x8a0a, 0x8baf}, {0x8a2d, 0x8bbe}, {0x8a8d, 0x8ba4}, {0x8aaa, 0x8bf4},
    {0x8b49, 0x8bc1}, {0x8b70, 0x8bae}, {0x8b77, 0x62a4}, {0x8b93, 0x8ba9}, {0x8ca0, 0x8d1f},
    {0x8ca1, 0x8d22}, {0x8cab, 0x8d2f}, {0x8cac, 0x8d23}, {0x8cc7, 0x8d44}, {0x8cea, 0x8d28},
    {0x8eca, 0x8f66}, {0x8ecd, 0x519b}, {0x8fa6, 0x529e}, {0x8fb2, 0x519c}, {0x9019, 0x8fd9},
    {0x9032, 0x8fdb}, {0x904e, 0x8fc7}, {0x9054, 0x8fbe}, {0x9084, 0x8fd8}, {0x908a, 0x8fb9},
    {0x9109, 0x4e61}, {0x91ab, 0x533b}, {0x9280, 0x94f6}, {0x93ae, 0x9547}, {0x9435, 0x94c1},
    {0x9577, 0x957f}, {0x9580, 0x95e8}, {0x958b, 0x5f00}, {0x9593, 0x95f4}, {0x95dc, 0x5173},
    {0x967d, 0x9633}, {0x968a, 0x961f}, {0x96fb, 0x7535}, {0x9805, 0x9879}, {0x9810, 0x9884},
    {0x982d, 0x5934}, {0x984c, 0x9898}, {0x985e, 0x7c7b}, {0x9928, 0x9986}, {0x9a57, 0x9a8c},
    {0x9ad4, 0x4f53}, {0x9ede, 0x70b9}, {0x9ee8, 0x515a}, {0x9f4a, 0x9f50},
};

static uint32_t
simplified_of(uint32_t cp)
{
  size_t low = 0, high = sizeof TRADITIONAL / sizeof TRADITIONAL[0];
  while (low < high) {
    size_t mid = (low + high) / 2;
    if (TRADITIONAL[mid].traditional == cp)
      return TRADITIONAL[mid].simplified;
    if (TRADITIONAL[mid].traditional < cp)
      low = mid + 1;
    else
      high = mid;
  }
  return cp;
}

uint32_t
cp_normalize(uint32_t cp)
{
  if (cp >= 0xff01 && cp <= 0xff5e)
    cp -= 0xfee0; /* full-width ASCII */
  if (cp == 0x3000 || cp == 0xa0 || cp == '\t' || cp == '\f' || cp == '\v' ||
      (cp >= 0x2000 && cp <= 0x200b) || cp == 0xfeff)
    return ' ';
  if (cp == '~' || cp == 0x2013 || cp == 0x2015 || cp == 0x2012 || cp == 0x2212 || cp == 0xfe58 ||
      cp == 0x2e3a || cp == 0x301c)
    return CP_DASH;
  if (cp == 0xff61)
    return 0x3002; /* half-width 。 */
  if (cp == 0xff64)
    return 0x3001; /* half-width 、 */
  return cp >= 0x4e00 ? simplified_of(cp) : cp;
}

static int
cn_digit(uint32_t cp)
{
  const char *digits = "零一二三四五六七八九";
  for (int value = 0; *digits; value++)
    if (literal_next(&digits) == cp)
      return value;
  if (cp == 0x3007) /* 〇 */
    return 0;
  if (cp == 0x4e24) /* 两 */
    return 2;
  return -1;
}

bool
cn_is_numeral(uint32_t cp)
{
  return cn_digit(cp) >= 0 || cp == 0x5341 /* 十 */ || cp == 0x767e /* 百 */;
}

int
cn_value(const uint32_t *text, size_t start, size_t end)
{
  int total = 0, current = -1;
  for (size_t i = start; i < end; i++) {
    if (text[i] == 0x5341) { /* 十 */
      total += (current < 0 ? 1 : current) * 10;
      current = -1;
    } else if (text[i] == 0x767e) { /* 百 */
      total += (current < 0 ? 1 : current) * 100;
      current = -1;
    } else {
      int digit = cn_digit(text[i]);
      if (digit < 0)
        return -1;
      if (current >= 0)
        current = current * 10 + digit; /* 二〇二三 style */
      else
        current = digit;
    }
  }
  if (current >= 0)
    total += current;
  return total;
}

void
cp_trim(const uint32_t *normalized, size_t *start, size_t *end)
{
  while (*start < *end && cp_is_space(normalized[*start]))
    (*start)++;
  while (*end > *start && cp_is_space(normalized[*end - 1]))
    (*end)--;
}

size_t
cp_skip_spaces(const uint32_t *normalized, size_t at, size_t end)
{
  while (at < end && cp_is_space(normalized[at]))
    at++;
  return at;
}

/* ---- UTF-8 out ---------------------------------------------------------------------- */

char *
import_encode(importer_t *importer, const uint32_t *typed, size_t start, size_t end)
{
  char *out = malloc((end - start) * 4 + 1);
  if (!out) {
    importer->error = DBN_ENOMEM;
    return NULL;
  }
  size_t k = 0;
  for (size_t i = start; i < end; i++) {
    uint32_t cp = typed[i];
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

void
import_cut_to_limit(char *text)
{
  size_t cut = DBN_MAX_TEXT - 3;
  while (cut > 0 && ((unsigned char)text[cut] & 0xc0) == 0x80)
    cut--;
  memcpy(text + cut, "\xe2\x80\xa6", 4); /* … */
}

char *
import_encode_limited(importer_t *importer, const uint32_t *typed, size_t start, size_t end, int line,
                      const char *what)
{
  char *text = import_encode(importer, typed, start, end);
  if (text && strlen(text) > DBN_MAX_TEXT) {
    import_cut_to_limit(text);
    import_report(importer, line, "limit",
                  dbn_tr("%s超过 %d 字节：已截断", "%s is longer than %d bytes: cut"), what, DBN_MAX_TEXT);
  }
  return text;
}

uint32_t
import_fnv1a(const char *text)
{
  uint32_t hash = 2166136261u;
  for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
    hash ^= *p;
    hash *= 16777619u;
  }
  return hash;
}
