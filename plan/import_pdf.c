/* import_pdf.c: a PDF read as the text the importer parses, best effort.
 *
 * A PDF has no paragraphs, only glyphs placed on pages. `pdftotext
 * -layout` (poppler-utils) puts them back in lines as printed; this file
 * runs it (no shell: the path is an argument, not a command line) and
 * undoes the printing: page breaks and the page numbers at the foot of
 * each page (— 3 —, -3-, 第3页) go, and a line that runs to the right
 * margin is joined with the next one unless the next one starts a
 * section, measure or item of its own or is indented as a new paragraph.
 * What cannot be undone — a table printed in columns, two columns of
 * text — is beyond this reader, and the report says that the lines were
 * read from a PDF's layout. */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "error.h"
#include "import_internal.h"
#include "lang.h"

extern char **environ;

/* A line counts as reaching the margin at this share of the widest. */
#define PDF_FULL_LINE_SHARE 0.8

typedef struct {
  char *data;
  size_t length, capacity;
  bool failed;
} pdf_buf_t;

static void
buf_add(pdf_buf_t *buf, const char *text, size_t len)
{
  if (buf->failed)
    return;
  if (buf->length + len + 1 > buf->capacity) {
    size_t capacity = buf->capacity ? buf->capacity : 65536;
    while (capacity < buf->length + len + 1)
      capacity *= 2;
    char *bigger = realloc(buf->data, capacity);
    if (!bigger) {
      buf->failed = true;
      return;
    }
    buf->data = bigger;
    buf->capacity = capacity;
  }
  memcpy(buf->data + buf->length, text, len);
  buf->length += len;
  buf->data[buf->length] = '\0';
}

/* pdftotext's output for path, all of it (at most the importer's limit). */
static int
run_pdftotext(const char *path, pdf_buf_t *out, char *why, size_t why_len)
{
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) {
    snprintf(why, why_len, "pdftotext: %s", strerror(errno));
    return DBN_EIO;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  char *argv[] = {"pdftotext", "-layout", "-enc", "UTF-8", (char *)path, "-", NULL};
  pid_t pid;
  int spawned = posix_spawnp(&pid, "pdftotext", &actions, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  close(pipe_fds[1]);
  if (spawned != 0) {
    close(pipe_fds[0]);
    snprintf(why, why_len, "读取 PDF 需要 pdftotext（Debian 软件包 poppler-utils）：%s", strerror(spawned));
    return DBN_EINVAL;
  }
  char chunk[65536];
  ssize_t got;
  bool too_big = false;
  while ((got = read(pipe_fds[0], chunk, sizeof chunk)) > 0 || (got < 0 && errno == EINTR))
    if (got > 0 && !too_big) {
      too_big = out->length + (size_t)got > DBN_PLAN_IMPORT_MAX_INPUT;
      if (!too_big)
        buf_add(out, chunk, (size_t)got);
    }
  close(pipe_fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
    ;
  if (out->failed)
    return DBN_ENOMEM;
  if (too_big) {
    snprintf(why, why_len, "PDF 的文字超过 %d 字节", DBN_PLAN_IMPORT_MAX_INPUT);
    return DBN_ETOOBIG;
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    snprintf(why, why_len, "pdftotext 读不了 %s（退出码 %d）：不是可读的 PDF", path,
             WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    return DBN_EINVAL;
  }
  return 0;
}

/* ---- undoing the printing ------------------------------------------------------------ */

typedef struct {
  char *text; /* trimmed, in the buffer */
  size_t len;
  int indent;      /* columns of leading space */
  int width;       /* columns, a Chinese character counting two */
  bool page_start; /* the first line of a page after the first */
  bool dropped;    /* a page number: left out */
} pdf_line_t;

static int
utf8_columns(const char *text, size_t len)
{
  int columns = 0;
  for (size_t i = 0; i < len; i++) {
    unsigned char byte = (unsigned char)text[i];
    if (byte < 0x80)
      columns++;
    else if (byte >= 0xc0)
      columns += 2;
  }
  return columns;
}

/* Trim spaces (ASCII and U+3000) at both ends; *indent counts the left ones. */
static void
trim_line(pdf_line_t *line)
{
  int indent = 0;
  while (line->len > 0) {
    if (line->text[0] == ' ' || line->text[0] == '\t') {
      line->text++, line->len--, indent++;
    } else if (line->len >= 3 && memcmp(line->text, "\xe3\x80\x80", 3) == 0) {
      line->text += 3, line->len -= 3, indent += 2;
    } else {
      break;
    }
  }
  while (line->len > 0 && (line->text[line->len - 1] == ' ' || line->text[line->len - 1] == '\r'))
    line->len--;
  while (line->len >= 3 && memcmp(line->text + line->len - 3, "\xe3\x80\x80", 3) == 0)
    line->len -= 3;
  line->indent = indent;
  line->width = utf8_columns(line->text, line->len);
}

/* — 3 —, - 3 -, 3, 第3页, 第 3 页 共 9 页: a page's number, nothing else. */
static bool
is_page_number(const pdf_line_t *line)
{
  static const char *const decorations[] = {"—", "－", "–", "-", " ", "第", "页", "共", "/", NULL};
  bool digit = false;
  for (size_t i = 0; i < line->len;) {
    if (line->text[i] >= '0' && line->text[i] <= '9') {
      digit = true;
      i++;
      continue;
    }
    size_t matched = 0;
    for (int k = 0; decorations[k] && !matched; k++)
      if (strncmp(line->text + i, decorations[k], strlen(decorations[k])) == 0)
        matched = strlen(decorations[k]);
    if (!matched)
      return false;
    i += matched;
  }
  return digit && line->len <= 40;
}

static bool
starts_with(const pdf_line_t *line, const char *prefix)
{
  return line->len >= strlen(prefix) && memcmp(line->text, prefix, strlen(prefix)) == 0;
}

/* The line starts a part of its own: 一、 （一） (1) 1. 1、 ① or a label.
 * A "（" that opens anything else (a unit group) may continue a line. */
static bool
starts_part(const pdf_line_t *line)
{
  static const char *const numerals = "一二三四五六七八九十";
  const char *end = line->text + line->len;
  if (starts_with(line, "具体落实举措") || starts_with(line, "牵头单位") || starts_with(line, "责任单位") ||
      starts_with(line, "配合单位"))
    return true;
  if (line->len >= 3 && (unsigned char)line->text[0] == 0xe2 && (unsigned char)line->text[1] == 0x91)
    return true; /* ①… */
  const char *rest = line->text;
  bool paren = starts_with(line, "（") || starts_with(line, "(");
  rest += starts_with(line, "（") ? 3 : starts_with(line, "(") ? 1 : 0;
  size_t numeral = 0;
  for (bool found = true; found && rest + 3 <= end;) {
    found = false;
    for (size_t k = 0; numerals[k]; k += 3)
      if (strncmp(rest, numerals + k, 3) == 0) {
        rest += 3, numeral++, found = true;
        break;
      }
  }
  size_t digits = 0;
  while (!numeral && rest < end && *rest >= '0' && *rest <= '9')
    rest++, digits++;
  if ((!numeral && !digits) || digits > 3)
    return false;
  if (paren)
    return (rest + 3 <= end && strncmp(rest, "）", 3) == 0) || (rest < end && *rest == ')');
  if (numeral)
    return rest + 3 <= end && strncmp(rest, "、", 3) == 0;
  return (rest < end && *rest == '.') ||
         (rest + 3 <= end && (strncmp(rest, "．", 3) == 0 || strncmp(rest, "、", 3) == 0));
}

static bool
ends_with(const pdf_line_t *line, const char *suffix)
{
  size_t n = strlen(suffix);
  return line->len >= n && memcmp(line->text + line->len - n, suffix, n) == 0;
}

/* Line next continues line (printed on from it): line reaches the margin,
 * next is text that starts nothing of its own and is not indented as a
 * new paragraph after a sentence's end. */
static bool
continues(const pdf_line_t *line, const pdf_line_t *next, int full_width, int margin)
{
  if (line->len == 0 || next->len == 0 || line->width < full_width * PDF_FULL_LINE_SHARE)
    return false;
  if (starts_part(next) || ends_with(line, "："))
    return false;
  return !(next->indent > margin + 2 && (ends_with(line, "。") || ends_with(line, "；")));
}

/* The lines of the text (page breaks as line breaks), trimmed. */
static pdf_line_t *
split_lines(char *text, size_t len, size_t *count_p, int *pages_p)
{
  size_t count = 1;
  for (size_t i = 0; i < len; i++)
    count += text[i] == '\n' || text[i] == '\f';
  pdf_line_t *lines = calloc(count, sizeof *lines);
  if (!lines)
    return NULL;
  size_t n = 0, start = 0;
  int pages = 1;
  bool page_start = false;
  for (size_t i = 0; i <= len; i++) {
    if (i < len && text[i] != '\n' && text[i] != '\f')
      continue;
    lines[n].page_start = page_start;
    page_start = i < len && text[i] == '\f';
    pages += page_start && i + 1 < len;
    lines[n].text = text + start;
    lines[n].len = i - start;
    trim_line(&lines[n]);
    n++;
    start = i + 1;
  }
  *count_p = n;
  *pages_p = pages;
  return lines;
}

/* The line a paragraph printed to the foot of a page goes on with: the
 * first of the next page, past blank lines and the page number; else
 * simply the next line. */
static size_t
next_printed(const pdf_line_t *lines, size_t count, size_t i)
{
  bool page_break = false;
  size_t j = i + 1;
  while (j < count && lines[j].len == 0) {
    page_break |= lines[j].dropped || lines[j].page_start;
    j++;
  }
  page_break |= j < count && lines[j].page_start;
  return page_break && j < count ? j : i + 1;
}

/* The text of the lines, page numbers left out, printed lines joined. */
static int
unprint(char *text, size_t len, pdf_buf_t *out, int *pages_p, int *joined_p)
{
  size_t count = 0;
  pdf_line_t *lines = split_lines(text, len, &count, pages_p);
  if (!lines)
    return DBN_ENOMEM;
  int full_width = 0, margin = 1 << 30;
  for (size_t i = 0; i < count; i++) {
    if (is_page_number(&lines[i])) {
      lines[i].len = 0;
      lines[i].dropped = true;
    }
    if (lines[i].width > full_width)
      full_width = lines[i].width;
    if (lines[i].len && lines[i].indent < margin)
      margin = lines[i].indent;
  }
  *joined_p = 0;
  for (size_t i = 0; i < count; i++) {
    buf_add(out, lines[i].text, lines[i].len);
    size_t next = next_printed(lines, count, i);
    if (next < count && continues(&lines[i], &lines[next], full_width, margin)) {
      (*joined_p)++;
      i = next - 1; /* what lay between was the page's foot */
      continue;
    }
    buf_add(out, "\n", 1);
  }
  free(lines);
  return out->failed ? DBN_ENOMEM : 0;
}

int
import_pdf_to_text(const char *path, char **text_p, size_t *text_len_p, int *pages_p, int *joined_p,
                   char *why, size_t why_len)
{
  pdf_buf_t raw = {0}, out = {0};
  *text_p = NULL;
  int rc = run_pdftotext(path, &raw, why, why_len);
  if (!rc)
    rc = unprint(raw.data, raw.length, &out, pages_p, joined_p);
  free(raw.data);
  if (!rc && strspn(out.data ? out.data : "", " \n") == out.length) {
    snprintf(why, why_len, "pdftotext 在 %s 中找不到文字：扫描件（页面的图片）无法读取", path);
    rc = DBN_EINVAL;
  }
  if (rc) {
    free(out.data);
    if (rc == DBN_ENOMEM)
      snprintf(why, why_len, "%s", dbn_tr("内存不足", "out of memory"));
    return rc;
  }
  *text_p = out.data;
  *text_len_p = out.length;
  return 0;
}

bool
import_is_pdf(const char *bytes, size_t len)
{
  return len >= 5 && memcmp(bytes, "%PDF-", 5) == 0;
}
