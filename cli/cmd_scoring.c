/* cmd_scoring.c: `duban scoring load FILE`, the 考核 rules as an event.
 *
 * Scoring rules are a document (examples/scoring/2023.rules): `key = value`
 * lines naming a version, the date from which they apply and the points of
 * each item. Loaded into the log, they are versioned and dated, so that an
 * assessment for any past day (`duban audit report --at DAY`) uses the rules
 * in force that day as the log then held them, and comes out the same
 * whenever it is run. The broker checks the rules (domain/score.h). */
#include <stdlib.h>
#include <string.h>

#include "lang.h"
#include "cli.h"

static const char scoring_usage[] =
    "usage: duban scoring load FILE [--json]\n"
    "\n"
    "Load scoring rules (考核细则) into the log (coordinators and admins). FILE has\n"
    "`key = value` lines (# starts a comment): version, effective (YYYY-MM-DD),\n"
    "note, and the points of each item: base_points, done_on_time, done_late,\n"
    "per_day_overdue, max_overdue_per_task, behind_pace, per_own_escalation,\n"
    "per_automatic_escalation, per_reminder, per_missed_report (penalties\n"
    "negative) and per_confirmed_milestone. A report for a\n"
    "day uses the rules in force that day; see examples/scoring/2023.rules.\n"
    "\n" DBN_CLI_CONNECTION_HELP;

#define MAX_RULES_FILE (64 * 1024)

/* The integer items of the document, by key. */
static int32_t *
points_field(Duban__ScoringRules *rules, const char *key)
{
  const struct {
    const char *key;
    size_t offset;
  } fields[] = {
      {"base_points", offsetof(Duban__ScoringRules, base_points)},
      {"done_on_time", offsetof(Duban__ScoringRules, done_on_time)},
      {"done_late", offsetof(Duban__ScoringRules, done_late)},
      {"per_day_overdue", offsetof(Duban__ScoringRules, per_day_overdue)},
      {"max_overdue_per_task", offsetof(Duban__ScoringRules, max_overdue_per_task)},
      {"behind_pace", offsetof(Duban__ScoringRules, behind_pace)},
      {"per_own_escalation", offsetof(Duban__ScoringRules, per_own_escalation)},
      {"per_automatic_escalation", offsetof(Duban__ScoringRules, per_automatic_escalation)},
      {"per_reminder", offsetof(Duban__ScoringRules, per_reminder)},
      {"per_missed_report", offsetof(Duban__ScoringRules, per_missed_report)},
      {"per_confirmed_milestone", offsetof(Duban__ScoringRules, per_confirmed_milestone)},
  };
  for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
    if (strcmp(fields[i].key, key) == 0)
      return (int32_t *)((char *)rules + fields[i].offset);
  return NULL;
}

/* One `key = value` line into rules; the strings point into the line. */
static int
read_line(Duban__ScoringRules *rules, char *key, char *value, char *why, size_t why_len)
{
  int32_t *points = points_field(rules, key);
  if (points) {
    int number;
    if (dbn_cli_parse_int(value, -1000, 1000, &number) != 0) {
      snprintf(why, why_len, "%s wants a whole number of points in -1000..1000, not '%s'", key, value);
      return DBN_EINVAL;
    }
    *points = number;
  } else if (strcmp(key, "version") == 0) {
    rules->version = value;
  } else if (strcmp(key, "effective") == 0) {
    rules->effective = value;
  } else if (strcmp(key, "note") == 0) {
    rules->note = value;
  } else {
    snprintf(why, why_len, "unknown item '%s' (see duban scoring --help)", key);
    return DBN_EINVAL;
  }
  return 0;
}

static char *
trim(char *s)
{
  while (*s == ' ' || *s == '\t')
    s++;
  char *end = s + strlen(s);
  while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
    *--end = '\0';
  return s;
}

/* Parse the document in text (modified in place) into rules. */
static int
parse_rules(char *text, Duban__ScoringRules *rules, char *why, size_t why_len)
{
  int number = 0;
  for (char *line = text; line;) {
    char *next = strchr(line, '\n');
    if (next)
      *next++ = '\0';
    number++;
    char *hash = strchr(line, '#');
    if (hash)
      *hash = '\0';
    char *body = trim(line);
    if (*body) {
      char *eq = strchr(body, '=');
      char inner[256];
      if (!eq) {
        snprintf(why, why_len, "line %d: expected `key = value`", number);
        return DBN_EINVAL;
      }
      *eq = '\0';
      if (read_line(rules, trim(body), trim(eq + 1), inner, sizeof inner)) {
        snprintf(why, why_len, "line %d: %s", number, inner);
        return DBN_EINVAL;
      }
    }
    line = next;
  }
  return 0;
}

static int
cmd_load(int argc, char **argv)
{
  static const struct option options[] = {DBN_CLI_COMMON_OPTIONS, {0}};
  dbn_cli_t cli;
  dbn_cli_init(&cli, "scoring load", scoring_usage);
  int opt, rc;
  optind = 0;
  while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1)
    if ((rc = dbn_cli_common_option(&cli, opt, optarg)) != 0)
      return rc;
  bool done;
  rc = dbn_cli_finish_options(&cli, argc - optind, 1, 1, &done);
  if (done || rc)
    return rc;
  const char *path = argv[optind];
  char *text;
  size_t len;
  if (dbn_cli_read_file(path, MAX_RULES_FILE, &text, &len) != 0)
    return dbn_cli_fail("invalid_argument",
                        dbn_tr("无法读取 %s（最大 %d KiB）", "cannot read %s (at most %d KiB)"), path,
                        MAX_RULES_FILE / 1024);
  Duban__ScoringRules rules = DUBAN__SCORING_RULES__INIT;
  char why[400];
  if (parse_rules(text, &rules, why, sizeof why) != 0) {
    free(text);
    return dbn_cli_fail("invalid_argument", "%s: %s", path, why);
  }
  Duban__LoadScoringRules load = DUBAN__LOAD_SCORING_RULES__INIT;
  load.rules = &rules;
  Duban__Request req = DUBAN__REQUEST__INIT;
  req.body_case = DUBAN__REQUEST__BODY_LOAD_SCORING_RULES;
  req.load_scoring_rules = &load;
  char what[200];
  snprintf(what, sizeof what,
           dbn_tr("已导入考核细则“%s”，自 %s 起施行", "loaded scoring rules '%s', in force from %s"),
           rules.version, rules.effective);
  rc = dbn_cli_write(&cli, &req, what);
  free(text);
  dbn_cli_fini(&cli);
  return rc;
}

int
dbn_cmd_scoring(int argc, char **argv)
{
  static const dbn_cli_word_t words[] = {{"load", cmd_load}};
  return dbn_cli_run_word("scoring", scoring_usage, words, sizeof words / sizeof words[0], argc, argv);
}
