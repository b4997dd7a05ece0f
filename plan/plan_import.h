/* plan_import.h: read a government breakdown document (分解方案) into a plan.
 *
 * Departments receive plans as documents such as 鄂府发〔2023〕58号, not as
 * data. This module reads such a document — sections 一、, measures （一）
 * with their lead (牵头单位) and cooperating (配合单位) units, actions 1. or a
 * single unnumbered paragraph after 具体落实举措 — and produces the plan JSON
 * of docs/plan-format.md (duban-plan/1) that `duban plan load` sends to the
 * broker, plus a report of everything the importer was unsure of, each entry
 * with the document line it came from, so that a person checks those lines
 * instead of the whole document.
 *
 * The importer is not tuned to one file: it accepts the usual variants of
 * unit labels (责任单位, 牵头部门/配合部门, 支撑单位, 协办单位), several lead
 * units separated by 、, units written on the numbered items instead of the
 * measures, numbering that runs on across sections, full-width spaces,
 * digits and punctuation, CRLF, a UTF-8 byte order mark, and GB18030/GBK or
 * UTF-16 input (converted with iconv). Input it cannot read is refused with
 * a message, never guessed at; arbitrary bytes never crash it.
 *
 * Unit codes: a code from the units file wins; otherwise a built-in table of
 * common department names gives a readable code (市交通运输局 → JTJ,
 * 市财政局 → CZJ: the initials of the name's pinyin without the 市 prefix);
 * otherwise the code is "U" followed by six hex digits of a hash (FNV-1a) of
 * the canonical name, so that the same department gets the same code in
 * every plan and key files stay valid across imports. Two units that would
 * share a code get "2", "3", … appended in order of first appearance. */
#ifndef DUBAN_PLAN_IMPORT_H
#define DUBAN_PLAN_IMPORT_H

#include <stddef.h>

#include <cjson/cJSON.h>

/* The largest document the importer reads: a breakdown plan is tens of
 * kilobytes; a file of megabytes is not one. */
#define DBN_PLAN_IMPORT_MAX_INPUT (8 * 1024 * 1024)

typedef struct {
  /* Plan id to use instead of the one derived from the document number;
   * NULL to derive. Borrowed. Must be ASCII letters, digits, '-', '_'. */
  const char *id;
  /* The input file's name without directory and extension, used as the
   * plan id when the document's issuer is not in the built-in table; NULL
   * if there is no file. Borrowed. */
  const char *file_stem;
  /* A units file already parsed: [{"name", "code", "aliases": [...]}],
   * or {"name", "members": [...]} for a collective expanded into the
   * members (docs/plan-format.md). Sets canonical names, codes and
   * aliases; NULL for none. Borrowed. */
  const cJSON *units;
  /* The input file's path as given, for messages (the conversion command
   * for a .doc); NULL if there is no file. Borrowed. */
  const char *file_path;
  /* "YYYY-MM-DD": the due date an action that names no date inherits
   * (marked inherited), and the plan's horizon. NULL: such an action gets
   * no due date at all (none is invented) and the horizon is the latest
   * deadline the document names. Borrowed. */
  const char *horizon;
} dbn_plan_import_options_t;

/* Read bytes[0..len) and build the plan.
 *
 * On success returns 0, *plan_p holds the plan JSON (duban-plan/1) and
 * *report_p a JSON array of {"line", "kind", "message"} (line 0 = the whole
 * document); both are the caller's, freed with cJSON_Delete(). Report kinds:
 * "encoding", "alias", "owner", "inherited", "structure", "skipped",
 * "general", "deadline", "limit", "units", "header", "docx", "fact", "pdf",
 * "table", "collective" (a collective expanded by the units file), and
 * last "summary" (actions found, with an owner, dated, with a target, inherited dates, facts, units and
 * collectives).
 *
 * A PDF is read only from its file (dbn_plan_import_file): through
 * `pdftotext -layout`, best effort, with a "pdf" report entry.
 * The bytes may be a .docx (a zip archive): its paragraphs and task tables
 * are read (see import_docx.c). An old binary .doc/.wps (an OLE file) is
 * refused with DBN_EVERSION and the libreoffice command that converts it.
 *
 * On failure returns a negative dbn_error (DBN_ENOTFOUND when no structure
 * — no section, measure or item — was found, DBN_EINVAL for an unreadable
 * document or a bad units file, DBN_ETOOBIG over DBN_PLAN_IMPORT_MAX_INPUT,
 * DBN_ENOMEM), writes a message naming the line into why[0..why_len) and
 * leaves *plan_p and *report_p NULL. options may be NULL. */
int dbn_plan_import(const char *bytes, size_t len, const dbn_plan_import_options_t *options, cJSON **plan_p,
                    cJSON **report_p, char *why, size_t why_len);

/* Read the file at path (and the units file at units_path, if not NULL)
 * and import it as above, with the file's stem as options.file_stem and id
 * (NULL to derive) as the plan id. For the CLI's `plan import` and
 * `plan import --load`. Same ownership and errors as dbn_plan_import, plus
 * DBN_EIO when a file cannot be read. */
int dbn_plan_import_file(const char *path, const char *units_path, const char *id, cJSON **plan_p,
                         cJSON **report_p, char *why, size_t why_len);

/* dbn_plan_import_file with a horizon (see dbn_plan_import_options_t;
 * NULL for none). */
int dbn_plan_import_file_horizon(const char *path, const char *units_path, const char *id,
                                 const char *horizon, cJSON **plan_p, cJSON **report_p, char *why,
                                 size_t why_len);

/* Import the file at path (as dbn_plan_import_file) and describe where the
 * task task (its full id, or <section>.<measure>.<action>) came from: the
 * section's and measure's lines and the task's own lines as the report
 * numbers them, and for a .docx each line's table row and cells under
 * their column headers. *text_p is the caller's (free()). DBN_ENOTFOUND
 * with a message when the document has no such task; otherwise the errors
 * of dbn_plan_import_file. */
int dbn_plan_import_explain_file(const char *path, const char *units_path, const char *id, const char *task,
                                 char **text_p, char *why, size_t why_len);

/* The .docx at path as the text the importer parses (its paragraphs, and
 * each task table row as an item), or a PDF's text as read through
 * pdftotext -layout: what the report's line numbers of a .docx or .pdf
 * count. *text_p is the caller's (free()). Errors as
 * dbn_plan_import_file; DBN_EINVAL when the file is not a .docx. */
int dbn_plan_import_docx_text(const char *path, char **text_p, size_t *text_len_p, char *why, size_t why_len);

/* `duban plan import FILE [--units FILE] [--id ID] [--report FILE]`.
 * argv[0] is the subcommand's name ("import") and is not read. Prints the
 * plan JSON to stdout and the report to stderr (or the --report file).
 * Returns the process exit status: 0 on success, 1 when the input cannot be
 * read or imported (with the reason on stderr), 2 on a usage error, 3 when
 * the document was read but no structure (section, measure, item) was
 * found in it, 4 for an old binary .doc/.wps (the message gives the
 * conversion command).
 * `--load` is not handled here: the CLI's main strips it and, after a
 * successful import, sends the plan itself (dbn_plan_import_file and
 * dbn_plan_from_json); given --load this function returns 2 and says so. */
int dbn_cmd_plan_import(int argc, char **argv);

#endif
