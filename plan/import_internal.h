/* import_internal.h: what the phases of the plan importer share.
 *
 * plan_import.c runs the phases in order, each in its own file:
 *   import_input.c      bytes → code points (typed and normalized) and lines
 *   import_structure.c  lines → sections, measures, actions; numbering
 *   import_header.c     the lines before the plan → title, document, plan id
 *   import_build.c      the parsed document → the plan JSON, with
 *     import_units.c    unit statements, canonical names, aliases, codes
 *     import_dates.c    deadline phrases → milestones
 *     import_targets.c  numbers with a unit of measure → targets
 * and import_text.c holds the containers and code point helpers they all
 * use. Every phase reads and writes one importer_t; an allocation failure
 * is recorded in importer->error (sticky) and each phase stops at it.
 *
 * Not a public header: only the files of plan/ include it. The public API
 * is plan_import.h. */
#ifndef DUBAN_IMPORT_INTERNAL_H
#define DUBAN_IMPORT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "plan_import.h"

/* ---- containers ---------------------------------------------------------- */

/* A list of malloc'd strings; the list owns them. */
typedef struct {
  char **items;
  size_t count, capacity;
} strvec_t;

/* Text in code points, as typed and normalized (see plan_import.c), in
 * parallel: a position in one is the same position in the other. */
typedef struct {
  uint32_t *typed;
  uint32_t *normalized;
  size_t length, capacity;
} cptext_t;

/* A calendar day. */
typedef struct {
  int year, month, day;
} ymd_t;

/* ---- the document as parsed ------------------------------------------------ */

typedef struct {
  char *number; /* as numbered in the document, then made unique */
  cptext_t text;
  int line;             /* where the action starts in the document */
  int last_line;        /* the last line its text (or its units) came from */
  char *owner;          /* unit name from the item; NULL = the measure's lead */
  strvec_t lead;        /* lead units labelled on the item itself (a format variant) */
  strvec_t cooperating; /* cooperating units labelled on the item itself */
  bool closed;          /* an owner was given: a further paragraph is not ours */
} action_t;

typedef struct {
  char *number;
  cptext_t text;
  int line;
  strvec_t lead, cooperating; /* unit names as written */
  bool units_seen;            /* the heading (or a units line) named units */
  bool in_actions;            /* 具体落实举措 seen, or an item started */
  int item_style;             /* 0 none, 1 "1.", 2 "（1）", 3 "①": other styles are sub-items */
  action_t *actions;
  size_t action_count, action_capacity;
} measure_t;

typedef struct {
  char *number;
  char *title;
  size_t title_start, title_end; /* the title's place in the document */
  int line;
  measure_t *measures;
  size_t measure_count, measure_capacity;
} section_t;

typedef struct {
  char *name;       /* canonical: the units file's, else the first spelling seen */
  char *code;       /* NULL until codes are assigned */
  strvec_t aliases; /* other spellings */
} unit_t;

typedef struct {
  size_t start, end; /* trimmed, in code points of the document */
  int number;        /* 1-based line number */
} line_t;

/* Everything one import reads and builds; zeroed, then filled phase by
 * phase, and freed by plan_import.c. */
typedef struct {
  const dbn_plan_import_options_t *options; /* borrowed; may be NULL */
  cJSON *report;                            /* the report array, handed to the caller */
  int error;                                /* first allocation failure, sticky */
  uint32_t *typed;                          /* the whole document as typed */
  uint32_t *normalized;                     /* the whole document normalized */
  size_t length;                            /* code points in each */
  line_t *lines;
  size_t line_count;
  section_t *sections;
  size_t section_count, section_capacity;
  unit_t *units; /* in order of first appearance */
  size_t unit_count, unit_capacity;
  ymd_t issued;
  bool have_issued;
  ymd_t horizon;        /* the latest deadline: what undated actions inherit */
  char *document;       /* 鄂府发〔2023〕58号, or NULL */
  char *title;          /* the plan's title */
  char *plan_id;        /* the plan id (from the options, document or file) */
  int last_item_number; /* for telling "2.6亿元" from item 2 */
  char **origins;       /* .docx: by line (0-based), the table row it came from, or NULL */
  size_t origin_count;
  const char *source_kind; /* NULL (text), "docx" or "pdf": how the lines were made */
  strvec_t expanded;       /* collectives the units file expanded, as written (each once) */
} importer_t;

/* ---- import_text.c: report, allocation, containers -------------------------- */

void import_report(importer_t *importer, int line, const char *kind, const char *format, ...)
    __attribute__((format(printf, 4, 5)));

/* Grow *array (of element_size elements) to hold need, zeroing the new
 * part; false (and importer->error set) when out of memory. */
bool import_grow(importer_t *importer, void **array, size_t *capacity, size_t need, size_t element_size);

/* strdup() that records an allocation failure. */
char *import_strdup(importer_t *importer, const char *text);

/* Append text (ownership taken; NULL is ignored). */
void strvec_push(importer_t *importer, strvec_t *list, char *text);
/* Append a copy of every string of from. */
void strvec_push_copies(importer_t *importer, strvec_t *list, const strvec_t *from);
bool strvec_has(const strvec_t *list, const char *text);
void strvec_free(strvec_t *list);

void cptext_append(importer_t *importer, cptext_t *text, const uint32_t *typed, const uint32_t *normalized,
                   size_t length);
/* Append as a further paragraph: after a newline if text is not empty. */
void cptext_append_paragraph(importer_t *importer, cptext_t *text, const uint32_t *typed,
                             const uint32_t *normalized, size_t length);
void cptext_free(cptext_t *text);

/* ---- import_text.c: code points ---------------------------------------------- */

#define CP_DASH 0x2014u /* every dash and tilde normalizes to — */

static inline bool
cp_is_digit(uint32_t cp)
{
  return cp >= '0' && cp <= '9';
}

static inline bool
cp_is_alpha(uint32_t cp)
{
  return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
}

/* Spaces as the parser sees them: every space normalizes to ' ', and a CR
 * before a LF is kept as typed but read as a space. */
static inline bool
cp_is_space(uint32_t cp)
{
  return cp == ' ' || cp == '\r';
}

/* Literals are this module's own strings (valid UTF-8), matched against
 * code points. The number of code points in literal: */
size_t literal_length(const char *literal);
/* Length of literal if text[at..end) starts with it, else 0. */
size_t literal_at(const uint32_t *text, size_t at, size_t end, const char *literal);
bool literal_ends(const uint32_t *text, size_t start, size_t end, const char *literal);
/* The first position of literal in text[start..end), or SIZE_MAX. */
size_t literal_find(const uint32_t *text, size_t start, size_t end, const char *literal);
/* True if cp is one of the characters of set. */
bool cp_in_set(uint32_t cp, const char *set);

/* The code point the parser reads for cp: full-width ASCII folded, every
 * space to ' ', every dash to CP_DASH, half-width 。、 to full width. */
uint32_t cp_normalize(uint32_t cp);

/* Chinese numerals up to 九十九 (sections and measures never need more). */
bool cn_is_numeral(uint32_t cp);
/* The value of the numeral text[start..end), or -1. */
int cn_value(const uint32_t *text, size_t start, size_t end);

/* Narrow [*start, *end) to leave out spaces at both ends. */
void cp_trim(const uint32_t *normalized, size_t *start, size_t *end);
size_t cp_skip_spaces(const uint32_t *normalized, size_t at, size_t end);

/* typed[start..end) as a new UTF-8 string, the caller's (NULL and
 * importer->error set when out of memory). */
char *import_encode(importer_t *importer, const uint32_t *typed, size_t start, size_t end);
/* The same, cut at DBN_MAX_TEXT bytes with "…" and a "limit" report
 * naming what was cut: a plan that cannot be loaded helps nobody. */
char *import_encode_limited(importer_t *importer, const uint32_t *typed, size_t start, size_t end, int line,
                            const char *what);
/* Cut the malloc'd UTF-8 text (longer than DBN_MAX_TEXT bytes) at a
 * character boundary so that it ends in "…" within DBN_MAX_TEXT bytes. */
void import_cut_to_limit(char *text);

/* FNV-1a of text: stable codes and ids from names. */
uint32_t import_fnv1a(const char *text);

/* ---- import_input.c ----------------------------------------------------------- */

/* Check and convert bytes[0..len) (UTF-8 with or without BOM, UTF-16 by
 * its BOM, GB18030/GBK), decode it into importer->typed/normalized and
 * split it into importer->lines. On failure returns DBN_EINVAL with a
 * message in why, or DBN_ENOMEM. */
int import_read_input(importer_t *importer, const char *bytes, size_t len, char *why, size_t why_len);

/* ---- import_docx.c ------------------------------------------------------------- */

/* What a table column holds, by its header cell (序号, 任务, 具体措施,
 * 牵头单位, 配合单位, 责任单位, 完成时限 and variants). */
enum column_role {
  COLUMN_NONE,
  COLUMN_NUMBER,
  COLUMN_TASK,
  COLUMN_MEASURE,
  COLUMN_LEAD,
  COLUMN_COOP,
  COLUMN_OWNER,
  COLUMN_DEADLINE,
  COLUMN_PEOPLE /* 责任领导, 联系人, 备注: a column of people or notes, never read */
};
/* The role of a header cell's UTF-8 text; COLUMN_PEOPLE for people
 * (牵头市领导) and notes, COLUMN_NONE for anything else. */
enum column_role import_column_role(const char *text);

/* A zip archive (what a .docx is) / an OLE compound file (.doc, .wps). */
bool import_is_docx(const char *bytes, size_t len);
bool import_is_ole(const char *bytes, size_t len);
/* The body of the .docx bytes[0..len) as text in the format the parser
 * reads: paragraphs as lines, each row of a task table (mapped by its
 * header row, merged cells resolved) as an item with its deadline and
 * units. *text_p (NUL-terminated) is the caller's; *tables_p counts the
 * task tables read, *skipped_p the paragraphs after a task table that are
 * not sections and were left out; *origins_p (if not NULL; the caller's,
 * each string and the array freed) holds, by line of the text (0-based),
 * the table row and cells it was made from, NULL for other lines, with
 * *origin_count_p entries. DBN_EINVAL with a message when the archive or its
 * word/document.xml cannot be read, DBN_ETOOBIG, DBN_ENOMEM. */
int import_docx_to_text(const char *bytes, size_t len, char **text_p, size_t *text_len_p, int *tables_p,
                        int *skipped_p, char ***origins_p, size_t *origin_count_p, char *why, size_t why_len);

/* ---- import_pdf.c ------------------------------------------------------------------ */

/* "%PDF-": a PDF, read from its file through pdftotext. */
bool import_is_pdf(const char *bytes, size_t len);
/* The PDF at path as text, best effort: `pdftotext -layout`, page numbers
 * left out, lines printed on from the line before joined to it. *pages_p
 * and *joined_p count pages and joined lines. DBN_EINVAL with a message
 * when pdftotext is missing, refuses the file or finds no text (a scan);
 * DBN_ETOOBIG, DBN_ENOMEM, DBN_EIO. */
int import_pdf_to_text(const char *path, char **text_p, size_t *text_len_p, int *pages_p, int *joined_p,
                       char *why, size_t why_len);

/* ---- import_flat_table.c ------------------------------------------------------------ */

/* A table flattened into text, one cell a line (序号 / 任务 / 责任单位, then
 * 1 / … / …), rewritten in place as items: each row's first line becomes
 * "1.text（责任单位：…）", its other cells' lines and the header's become
 * empty, so that every line keeps its number. Runs after the lines are
 * split; true when it rewrote the text (the lines are then to be split
 * again). Each table read is reported with its line. */
bool import_unflatten_tables(importer_t *importer);

/* ---- import_units.c ------------------------------------------------------------- */

/* Read units from normalized[start..end): "牵头单位：A、B，配合单位：C",
 * "责任单位：A", "A牵头，B、C配合" or a plain "A、B". Returns true and
 * appends to lead and cooperating only if all of it reads as units;
 * *labelled tells whether a role was named. */
bool import_parse_units(importer_t *importer, size_t start, size_t end, strvec_t *lead, strvec_t *cooperating,
                        bool *labelled);
/* True if a role (牵头, 配合, 责任, …) is named in normalized[start..end). */
bool import_names_role(const uint32_t *normalized, size_t start, size_t end);
/* If normalized[start..end) ends with a parenthesized group (before a
 * final 。), its bounds: *open_p at '(' and *close_p at ')'. */
bool import_trailing_paren(const uint32_t *normalized, size_t start, size_t end, size_t *open_p,
                           size_t *close_p);
/* An opening parenthesis that is never closed and names a role: the line
 * was cut in the middle of its units. */
bool import_unclosed_units(const uint32_t *normalized, size_t start, size_t end);

/* Whether normalized[start..end) reads as a unit's name (its ending, or a
 * name the units file or the document already knows). */
bool import_looks_like_unit(importer_t *importer, size_t start, size_t end);
/* The canonical unit for a name as written, registering it on first
 * sight; returns its index in importer->units, or -1 when out of memory. */
int import_unit_register(importer_t *importer, const char *name, int line);
/* The units for a name as written: the members the units file gives a
 * collective ({"name": "各区、县级市", "members": [names or codes]}), each
 * registered and the expansion reported, else the name's own unit. Writes
 * at most max indexes, without repeats, to out; returns how many (0 only
 * when out of memory). */
size_t import_unit_expand(importer_t *importer, const char *name, int line, int *out, size_t max);
/* Give every unit without a code from the units file a code. */
void import_assign_codes(importer_t *importer);
/* Check the shape of a units file before anything is read. */
int import_check_units_file(const cJSON *units, char *why, size_t why_len);

/* ---- import_structure.c, import_header.c --------------------------------------- */

/* Build sections → measures → actions from the lines. On success
 * *first_line_p is the index of the plan's first line (the header is what
 * comes before it). DBN_EINVAL with a message when there is no structure. */
int import_parse_structure(importer_t *importer, size_t *first_line_p, char *why, size_t why_len);
/* Make repeated numbers unique among their siblings, reporting each. */
void import_check_numbers(importer_t *importer);
/* Read title, document number, issuing date and plan id from the lines
 * before first_line. */
void import_read_header(importer_t *importer, size_t first_line);
/* A new action in measure, numbered number (or by position if 0). */
action_t *import_new_action(importer_t *importer, measure_t *measure, int number, int line);

/* ---- import_dates.c --------------------------------------------------------------- */

int ymd_days_in_month(int year, int month);
/* "YYYY-MM-DD" naming a real day (years 1990-2100) into *date_p (may be NULL). */
bool import_parse_iso_date(const char *text, ymd_t *date_p);
/* The reporting cycle a recurring phrase of normalized[start..end) names
 * (每月 "monthly", 每季度 "quarterly", 每半年 "half-yearly", 每年 "yearly";
 * the first one written), or NULL. */
const char *import_report_cycle(const uint32_t *normalized, size_t start, size_t end);
/* The ongoing phrase (长期坚持, 持续推进, …) in normalized[start..end), or NULL. */
const char *import_ongoing_phrase(const uint32_t *normalized, size_t start, size_t end);
int ymd_cmp(ymd_t a, ymd_t b);
/* "YYYY-MM-DD" into buf. */
void ymd_format(char *buf, size_t len, ymd_t date);
/* A date written 2023年9月18日 at normalized[start..end): the date and where
 * it ends. */
bool import_parse_date_cn(const uint32_t *normalized, size_t start, size_t end, ymd_t *date_p, size_t *end_p);
/* What ends a clause: ，；。：！？ and a line break. */
bool cp_is_clause_delim(uint32_t cp);
/* The milestones of an action's text, a JSON array (NULL when out of
 * memory); *latest is moved to the latest due date, *dated tells whether
 * the text names a date. */
cJSON *import_milestones(importer_t *importer, const cptext_t *text, int line, ymd_t *latest, bool *dated);

/* ---- import_targets.c, import_build.c ------------------------------------------------ */

/* The targets of an action's text, a JSON array (NULL when out of memory);
 * the numbers that are facts (money given or budgeted, limits, existing
 * counts) go to *facts_p instead, each reported at line. */
cJSON *import_targets(importer_t *importer, const cptext_t *text, int line, cJSON **facts_p);
/* The clause around normalized[at] gives or budgets money (每年安排800万元):
 * a recurring phrase there is a rate, not a reporting cycle. */
bool import_is_funding_clause(const uint32_t *normalized, size_t length, size_t at);

/* ---- import_explain.c --------------------------------------------------------------- */

/* Where task task_id came from: its section's and measure's lines, its
 * own lines and, for a .docx, the table row and cells of each; a new
 * string (the caller's), or NULL with why set when there is no such task.
 * plan (borrowed, may be NULL) is the built plan: a task it has beyond the
 * document's actions (a collective's further units) is found there. */
char *import_explain(importer_t *importer, const cJSON *plan, const char *task_id, char *why, size_t why_len);

/* The plan JSON from everything parsed, the caller's. When an allocation
 * fails importer->error is set and the plan (NULL or incomplete) is only
 * to be deleted. */
cJSON *import_build_plan(importer_t *importer);

#endif
