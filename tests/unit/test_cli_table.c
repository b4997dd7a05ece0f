/* test_cli_table.c: the CLI's tables, parsers and renderings.
 *
 * Department names and task texts are Chinese; a table that lines up in
 * ASCII but not with CJK (two columns a character) is the bug this guards
 * against. Every row of a printed table must put each column at the same
 * display column, cuts must end in "…" at a character boundary, and no line
 * may end in spaces. The figure and number parsers see what people type. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli.h"
#include "text.h"
#include "utf8.h"

/* Print table into a malloc'd string. */
static char *
render(const dbn_cli_table_t *table, int width)
{
  char *out = NULL;
  size_t size = 0;
  FILE *mem = open_memstream(&out, &size);
  assert_non_null(mem);
  dbn_cli_table_print(table, mem, width);
  assert_int_equal(fclose(mem), 0);
  return out;
}

/* The display column at which the n-th column after the first starts:
 * the first character after the n-th run of two or more spaces. */
static int
column_start(const char *line, int n)
{
  int col = 0, runs = 0, spaces = 0;
  const char *p = line;
  while (*p && *p != '\n') {
    if (*p == ' ') {
      spaces++;
    } else {
      if (spaces >= 2 && runs++ == n)
        return col;
      spaces = 0;
    }
    unsigned cp;
    size_t len = dbn_utf8_decode(p, &cp);
    col += dbn_text_cp_width(cp);
    p += len;
  }
  return -1;
}

/* Split text into lines in place; returns the count. */
static int
split_lines(char *text, char **lines, int max)
{
  int n = 0;
  for (char *p = strtok(text, "\n"); p && n < max; p = strtok(NULL, "\n"))
    lines[n++] = p;
  return n;
}

static void
test_columns_line_up_with_chinese(void **state)
{
  (void)state;
  static const char *const headers[] = {"ID", "UNIT", "STATE", "TEXT"};
  dbn_cli_table_t *table;
  assert_int_equal(dbn_cli_table_new(&table, 4, headers), 0);
  const char *rows[][4] = {
      {"ordos-2023-58:1.1.1", "市林业和草原局", "assigned", "向国家和自治区申请资金和任务"},
      {"ordos-2023-58:3.4.12", "JTJ", "in_progress", "new charging posts"},
      {"x:1.1.1", "市交通运输局", "done", ""},
  };
  for (size_t i = 0; i < 3; i++)
    assert_int_equal(dbn_cli_table_add_row(table, rows[i]), 0);
  assert_int_equal(dbn_cli_table_rows(table), 3);

  char *out = render(table, 0);
  char *lines[8];
  int n = split_lines(out, lines, 8);
  assert_int_equal(n, 4);
  /* Cells have no double spaces inside, so separators mark the columns. */
  for (int column = 0; column < 3; column++) {
    int col = column_start(lines[0], column);
    assert_true(col > 0);
    for (int i = 0; i < n; i++)
      if (!(i == 3 && column == 2)) /* the last row's text is empty */
        assert_int_equal(column_start(lines[i], column), col);
  }
  /* "市林业和草原局" is 7 characters but 14 columns: the UNIT column is 14 wide. */
  assert_int_equal(column_start(lines[0], 1) - column_start(lines[0], 0) - 2, 14);
  for (int i = 0; i < n; i++)
    assert_true(lines[i][strlen(lines[i]) - 1] != ' ');
  free(out);
  dbn_cli_table_destroy(&table);
  assert_null(table);
}

/* A table of an ID and a TEXT column holding one row. */
static dbn_cli_table_t *
id_text_table(const char *id, const char *text)
{
  static const char *const headers[] = {"ID", "TEXT"};
  dbn_cli_table_t *table;
  assert_int_equal(dbn_cli_table_new(&table, 2, headers), 0);
  const char *row[] = {id, text};
  assert_int_equal(dbn_cli_table_add_row(table, row), 0);
  return table;
}

static void
test_last_column_cut_to_width(void **state)
{
  (void)state;
  dbn_cli_table_t *table =
      id_text_table("a:1.1.1", "推进三北等重点生态工程建设，实施重要生态系统保护和修复重大工程");
  char *out = render(table, 30);
  char *lines[4];
  int n = split_lines(out, lines, 4);
  assert_int_equal(n, 2);
  assert_true(dbn_text_width(lines[1]) <= 30);
  assert_true(dbn_text_width(lines[1]) >= 29); /* a wide character may leave one column */
  assert_non_null(strstr(lines[1], "…"));
  assert_true(dbn_text_valid(lines[1], strlen(lines[1])));
  free(out);

  /* No width: never cut. */
  out = render(table, 0);
  assert_null(strstr(out, "…"));
  free(out);
  dbn_cli_table_destroy(&table);
}

static void
test_last_column_keeps_a_minimum(void **state)
{
  (void)state;
  dbn_cli_table_t *table =
      id_text_table("a-rather-long-task-identifier-that-fills:1.1.1", "abcdefghijklmnopqrstuvwxyz");
  char *out = render(table, 20);
  char *lines[4];
  assert_int_equal(split_lines(out, lines, 4), 2);
  /* The text keeps 10 columns however narrow the terminal. */
  const char *text = strstr(lines[1], "abc");
  assert_non_null(text);
  assert_int_equal(dbn_text_width(text), 10);
  free(out);
  dbn_cli_table_destroy(&table);
}

static void
test_right_alignment_and_caps(void **state)
{
  (void)state;
  static const char *const headers[] = {"%", "UNIT", "TEXT"};
  dbn_cli_table_t *table;
  assert_int_equal(dbn_cli_table_new(&table, 3, headers), 0);
  dbn_cli_table_align_right(table, 0);
  dbn_cli_table_max_width(table, 1, 6);
  const char *a[] = {"5", "市交通运输局", "x"};
  const char *b[] = {"100", "JTJ", NULL};
  assert_int_equal(dbn_cli_table_add_row(table, a), 0);
  assert_int_equal(dbn_cli_table_add_row(table, b), 0);
  char *out = render(table, 0);
  char *lines[4];
  assert_int_equal(split_lines(out, lines, 4), 3);
  assert_true(strncmp(lines[1], "  5  ", 5) == 0);
  assert_true(strncmp(lines[2], "100  ", 5) == 0);
  /* Capped at 6 columns: three CJK characters, the last replaced by "…". */
  assert_non_null(strstr(lines[1], "市交…"));
  /* An empty last cell leaves no trailing spaces. */
  assert_string_equal(lines[2], "100  JTJ");
  free(out);
  dbn_cli_table_destroy(&table);
}

static void
test_parse_figure(void **state)
{
  (void)state;
  Duban__Figure fig;
  char why[256];
  assert_int_equal(dbn_cli_parse_figure("公共充电桩=1200个", &fig, why, sizeof why), 0);
  assert_string_equal(fig.what, "公共充电桩");
  assert_true(fig.value == 1200.0);
  assert_string_equal(fig.unit_of_measure, "个");
  dbn_cli_figure_clear(&fig);

  assert_int_equal(dbn_cli_parse_figure(" km = 3.5 ", &fig, why, sizeof why), 0);
  assert_string_equal(fig.what, "km");
  assert_true(fig.value == 3.5);
  assert_string_equal(fig.unit_of_measure, "");
  dbn_cli_figure_clear(&fig);

  const char *bad[] = {"",      "=5",    "what",      "what=",  "what=abc",
                       "x=nan", "x=inf", "x=1,200个", "x=0x10", "x=1e300"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    why[0] = '\0';
    assert_int_not_equal(dbn_cli_parse_figure(bad[i], &fig, why, sizeof why), 0);
    assert_true(why[0] != '\0');
  }
}

static void
test_parse_numbers(void **state)
{
  (void)state;
  uint64_t u;
  int v;
  assert_int_equal(dbn_cli_parse_u64("42", &u), 0);
  assert_true(u == 42);
  assert_int_not_equal(dbn_cli_parse_u64("-1", &u), 0);
  assert_int_not_equal(dbn_cli_parse_u64("12x", &u), 0);
  assert_int_not_equal(dbn_cli_parse_u64("", &u), 0);
  assert_int_not_equal(dbn_cli_parse_u64("99999999999999999999999", &u), 0);
  assert_int_equal(dbn_cli_parse_int("100", 0, 100, &v), 0);
  assert_int_equal(v, 100);
  assert_int_not_equal(dbn_cli_parse_int("101", 0, 100, &v), 0);
  assert_int_not_equal(dbn_cli_parse_int("5%", 0, 100, &v), 0);
}

static void
test_format_time(void **state)
{
  (void)state;
  char iso[32];
  /* A person reads the plan's zone (Beijing unless DUBAN_PLAN_ZONE), a
   * script UTC. */
  unsetenv("DUBAN_PLAN_ZONE");
  dbn_cli_format_time(0, iso);
  assert_string_equal(iso, "1970-01-01 08:00");
  dbn_cli_format_time(1695024000, iso);
  assert_string_equal(iso, "2023-09-18 16:00");
  assert_int_equal(setenv("DUBAN_PLAN_ZONE", "-05:00", 1), 0);
  dbn_cli_format_time(1695024000, iso);
  assert_string_equal(iso, "2023-09-18 03:00");
  unsetenv("DUBAN_PLAN_ZONE");
  dbn_cli_format_time_iso(0, iso);
  assert_string_equal(iso, "1970-01-01T00:00:00Z");
  dbn_cli_format_time_iso(1695024000, iso);
  assert_string_equal(iso, "2023-09-18T08:00:00Z");
}

static void
test_event_json_and_line(void **state)
{
  (void)state;
  Duban__Figure fig = DUBAN__FIGURE__INIT;
  fig.what = "公共充电桩";
  fig.value = 1200;
  fig.unit_of_measure = "个";
  Duban__Figure *figs[] = {&fig};
  Duban__Progress progress = DUBAN__PROGRESS__INIT;
  progress.task = "ordos-2023-58:3.4.1";
  progress.percent = 45;
  progress.figures = figs;
  progress.n_figures = 1;
  progress.note = "第一批\n已完工";
  Duban__Event event = DUBAN__EVENT__INIT;
  event.seq = 7;
  event.time = 1695024000;
  event.actor = "unit:JTJ";
  event.request_id = "abc";
  event.body_case = DUBAN__EVENT__BODY_PROGRESS;
  event.progress = &progress;

  cJSON *json = dbn_cli_event_json(&event);
  assert_non_null(json);
  assert_int_equal(cJSON_GetObjectItem(json, "seq")->valueint, 7);
  assert_string_equal(cJSON_GetObjectItem(json, "time")->valuestring, "2023-09-18T08:00:00Z");
  assert_string_equal(cJSON_GetObjectItem(json, "kind")->valuestring, "progress");
  assert_string_equal(cJSON_GetObjectItem(json, "task")->valuestring, "ordos-2023-58:3.4.1");
  assert_int_equal(cJSON_GetObjectItem(json, "percent")->valueint, 45);
  cJSON *figures = cJSON_GetObjectItem(json, "figures");
  assert_int_equal(cJSON_GetArraySize(figures), 1);
  assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(figures, 0), "what")->valuestring, "公共充电桩");
  cJSON_Delete(json);

  char *out = NULL;
  size_t size = 0;
  FILE *mem = open_memstream(&out, &size);
  dbn_cli_print_event_line(mem, &event);
  fclose(mem);
  assert_non_null(strstr(out, "ordos-2023-58:3.4.1"));
  assert_non_null(strstr(out, "45%；公共充电桩 1200个；说明：第一批 已完工"));
  /* One event, one line, even when the note has a newline. */
  assert_int_equal(strchr(out, '\n') - out, (long)strlen(out) - 1);
  free(out);

  /* Task states by their lower-case names. */
  Duban__Task task = DUBAN__TASK__INIT;
  task.id = "x:1.1.1";
  task.state = DUBAN__TASK_STATE__TASK_IN_PROGRESS;
  task.updated_at = 1695024000;
  json = dbn_cli_message_json(&task.base);
  assert_string_equal(cJSON_GetObjectItem(json, "state")->valuestring, "in_progress");
  assert_string_equal(cJSON_GetObjectItem(json, "updated_at")->valuestring, "2023-09-18T08:00:00Z");
  cJSON_Delete(json);
}

/* What one line of watch and replay says about each kind of event: its
 * subject and details, as dbn_cli_event_describe writes them. */
static void
test_event_describe(void **state)
{
  (void)state;
  Duban__Ack ack = DUBAN__ACK__INIT;
  ack.escalation = 42;
  ack.note = "已协调";
  Duban__Reject reject = DUBAN__REJECT__INIT;
  reject.task = "p:1.1.1";
  reject.reason = "缺少附件";
  Duban__Reassign reassign = DUBAN__REASSIGN__INIT;
  reassign.task = "p:1.2.1";
  reassign.unit = "LCJ";
  reassign.reason = "职责\t调整";
  Duban__Escalate escalate = DUBAN__ESCALATE__INIT;
  escalate.task = "p:2.1.1";
  escalate.category = "资金";
  escalate.reason = "未到位";
  Duban__AdvanceClock clock = DUBAN__ADVANCE_CLOCK__INIT;
  clock.seconds = 86400;

  Duban__Event events[7];
  for (size_t i = 0; i < 7; i++) {
    duban__event__init(&events[i]);
    events[i].seq = 9;
  }
  events[0].body_case = DUBAN__EVENT__BODY_ACKNOWLEDGED;
  events[0].acknowledged = &ack;
  events[1].body_case = DUBAN__EVENT__BODY_REJECTED;
  events[1].rejected = &reject;
  events[2].body_case = DUBAN__EVENT__BODY_REASSIGNED;
  events[2].reassigned = &reassign;
  events[3].body_case = DUBAN__EVENT__BODY_ESCALATED;
  events[3].escalated = &escalate;
  events[4].body_case = DUBAN__EVENT__BODY_CLOCK_ADVANCED;
  events[4].clock_advanced = &clock;
  events[5].body_case = DUBAN__EVENT__BODY_CLAIMED; /* a known kind without its body */
  /* events[6]: no body at all */

  static const struct {
    const char *name;
    const char *subject;
    const char *details;
  } cases[] = {
      {"acknowledged names the escalation", "esc#42", "说明：已协调"},
      {"rejected gives the reason", "p:1.1.1", "退回理由：缺少附件"},
      {"reassigned says to whom and why, on one line", "p:1.2.1", "改派给 LCJ；理由：职责 调整"},
      {"escalated: its id is the seq", "p:2.1.1", "督办事项 #9〔资金〕未到位"},
      {"clock advanced in seconds and days", "", "时钟前进 86400 秒（1.0 天）"},
      {"a known kind without its body says nothing", "", ""},
      {"a kind this duban does not know says so", "", "（此版本 duban 不认识的事件）"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char subject[64], details[160];
    dbn_cli_event_describe(&events[i], subject, sizeof subject, details, sizeof details);
    if (strcmp(subject, cases[i].subject) != 0 || strcmp(details, cases[i].details) != 0)
      fail_msg("%s: got '%s' / '%s'", cases[i].name, subject, details);
  }
}

/* Every kind of event the protocol has reads as a line of its own in watch
 * and replay: a kind added to the .proto without a description fails here.
 * Each is tried with an empty body of its own type. */
static void
test_every_event_kind_has_a_line(void **state)
{
  (void)state;
  const ProtobufCMessageDescriptor *d = &duban__event__descriptor;
  size_t kinds = 0;
  for (unsigned i = 0; i < d->n_fields; i++) {
    const ProtobufCFieldDescriptor *field = &d->fields[i];
    if (!(field->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) || field->type != PROTOBUF_C_TYPE_MESSAGE)
      continue;
    const ProtobufCMessageDescriptor *body_type = field->descriptor;
    ProtobufCMessage *body = calloc(1, body_type->sizeof_message);
    assert_non_null(body);
    body_type->message_init(body);
    Duban__Event event = DUBAN__EVENT__INIT;
    event.seq = 7;
    event.body_case = (Duban__Event__BodyCase)field->id;
    *(ProtobufCMessage **)((char *)&event + field->offset) = body;
    char subject[128], details[512];
    dbn_cli_event_describe(&event, subject, sizeof subject, details, sizeof details);
    if (strstr(details, "不认识的事件"))
      fail_msg("event kind '%s' has no line in watch and replay", field->name);
    free(body);
    kinds++;
  }
  assert_true(kinds >= 15);
}

/* A note longer than the line is cut at a character boundary. */
static void
test_long_note_cut_on_a_character(void **state)
{
  (void)state;
  static char note[4000];
  size_t used = 0;
  while (used + 4 < sizeof note) {
    memcpy(note + used, "催", 3); /* three bytes each */
    used += 3;
  }
  note[used] = '\0';
  Duban__Remind remind = DUBAN__REMIND__INIT;
  remind.task = "p:1.1.1";
  remind.note = note;
  Duban__Event event = DUBAN__EVENT__INIT;
  event.body_case = DUBAN__EVENT__BODY_REMINDED;
  event.reminded = &remind;
  for (size_t len = 20; len < 40; len++) { /* every cut position within a character */
    char subject[64], details[64];
    dbn_cli_event_describe(&event, subject, sizeof subject, details, len);
    assert_true(dbn_utf8_valid(details, strlen(details)));
    assert_true(strlen(details) + 4 > len - 1); /* cut no more than one character short */
  }
}

/* A write may carry --request-id, so that a retry takes effect once; a read
 * or a watch always gets a fresh id (domain/request.h decides which). */
static void
test_request_id_follows_the_request_table(void **state)
{
  (void)state;
  dbn_cli_t cli;
  dbn_cli_init(&cli, "test", "");
  cli.request_id = "mine-1";
  static const struct {
    Duban__Request__BodyCase body;
    bool keeps_given_id;
  } cases[] = {
      {DUBAN__REQUEST__BODY_CLAIM, true},
      {DUBAN__REQUEST__BODY_ADVANCE_CLOCK, true},
      {DUBAN__REQUEST__BODY_LOAD_PLAN, true},
      {DUBAN__REQUEST__BODY_LIST_TASKS, false},
      {DUBAN__REQUEST__BODY_GET_TASK, false},
      {DUBAN__REQUEST__BODY_PING, false},
      {DUBAN__REQUEST__BODY_WATCH, false},
      {DUBAN__REQUEST__BODY_UNWATCH, false},
      {DUBAN__REQUEST__BODY_LIST_ESCALATIONS, false},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    Duban__Request req = DUBAN__REQUEST__INIT;
    req.body_case = cases[i].body;
    dbn_cli_set_request_id(&cli, &req);
    if (cases[i].keeps_given_id) {
      assert_string_equal(req.request_id, "mine-1");
    } else {
      assert_int_equal(strlen(req.request_id), 32);
      assert_string_not_equal(req.request_id, "mine-1");
    }
  }
  /* Without --request-id a write gets a fresh id too. */
  cli.request_id = NULL;
  Duban__Request req = DUBAN__REQUEST__INIT;
  req.body_case = DUBAN__REQUEST__BODY_CLAIM;
  dbn_cli_set_request_id(&cli, &req);
  assert_int_equal(strlen(req.request_id), 32);
  dbn_cli_fini(&cli);
}

/* ---- the shared option runner and word dispatch ---- */

static int
word_run(int argc, char **argv)
{
  /* The word's own argv starts at the word. */
  assert_string_equal(argv[0], "load");
  return argc == 2 && strcmp(argv[1], "x.json") == 0 ? 42 : 1;
}

static void
test_run_word(void **state)
{
  (void)state;
  static const dbn_cli_word_t words[] = {{"import", word_run}, {"load", word_run}};
  char *load[] = {"plan", "load", "x.json", NULL};
  assert_int_equal(dbn_cli_run_word("plan", "usage\n", words, 2, 3, load), 42);
  char *unknown[] = {"plan", "frob", NULL};
  assert_int_equal(dbn_cli_run_word("plan", "usage\n", words, 2, 2, unknown), DBN_CLI_EXIT_USAGE);
  char *none[] = {"plan", NULL};
  assert_int_equal(dbn_cli_run_word("plan", "usage\n", words, 2, 1, none), DBN_CLI_EXIT_USAGE);
  char *help[] = {"plan", "--help", NULL};
  assert_int_equal(dbn_cli_run_word("plan", "usage\n", words, 2, 2, help), DBN_CLI_EXIT_OK);
}

enum { OPT_COLOUR = DBN_CLI_OPT_FIRST_FREE };

static int
colour_option(dbn_cli_t *cli, int opt, const char *arg, void *ctx)
{
  assert_int_equal(opt, OPT_COLOUR);
  if (strcmp(arg, "red") != 0)
    return dbn_cli_usage_error(cli, "no colour '%s'", arg);
  *(const char **)ctx = arg;
  return DBN_CLI_EXIT_OK;
}

static void
test_parse_options(void **state)
{
  (void)state;
  static const struct option options[] = {
      {"colour", required_argument, NULL, OPT_COLOUR},
      DBN_CLI_COMMON_OPTIONS,
      {0},
  };
  dbn_cli_t cli;
  dbn_cli_init(&cli, "paint", "usage: duban paint THING\n");
  const char *colour = NULL;
  bool done;
  char *good[] = {"paint", "--colour", "red", "--json", "wall", NULL};
  assert_int_equal(dbn_cli_parse_options(&cli, 5, good, options, colour_option, &colour, 1, 1, &done), 0);
  assert_false(done);
  assert_string_equal(colour, "red");
  assert_true(cli.json);
  assert_string_equal(good[optind], "wall");
  /* An own option's refusal stops parsing with its exit code. */
  char *bad[] = {"paint", "--colour", "blue", "wall", NULL};
  assert_int_equal(dbn_cli_parse_options(&cli, 4, bad, options, colour_option, &colour, 1, 1, &done),
                   DBN_CLI_EXIT_USAGE);
  assert_true(done);
  /* The positional count is checked after the options. */
  char *missing[] = {"paint", "--colour", "red", NULL};
  assert_int_equal(dbn_cli_parse_options(&cli, 3, missing, options, colour_option, &colour, 1, 1, &done),
                   DBN_CLI_EXIT_USAGE);
  assert_true(done);
  dbn_cli_fini(&cli);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_columns_line_up_with_chinese),
      cmocka_unit_test(test_last_column_cut_to_width),
      cmocka_unit_test(test_last_column_keeps_a_minimum),
      cmocka_unit_test(test_right_alignment_and_caps),
      cmocka_unit_test(test_parse_figure),
      cmocka_unit_test(test_parse_numbers),
      cmocka_unit_test(test_format_time),
      cmocka_unit_test(test_event_json_and_line),
      cmocka_unit_test(test_event_describe),
      cmocka_unit_test(test_every_event_kind_has_a_line),
      cmocka_unit_test(test_long_note_cut_on_a_character),
      cmocka_unit_test(test_request_id_follows_the_request_table),
      cmocka_unit_test(test_run_word),
      cmocka_unit_test(test_parse_options),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
