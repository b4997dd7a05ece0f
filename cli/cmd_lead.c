/* cmd_lead.c: `duban lead remind`, and the roll-up of the measures a unit
 * leads under `duban tasks` (domain/lead.h).
 *
 * A measure's lead unit (牵头单位) answers for every action of it: `duban
 * tasks` lists them beside its own, with their colours, and ends with one
 * line per measure it leads, coloured by the worst of its tasks (pace.h's
 * roll-up, as for a department). `lead remind` reminds (催办) the unit that
 * owns one of them, which reads the text in its inbox. A cooperating unit
 * (配合单位) sees the tasks of its measures too, read-only. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "lead.h"
#include "pace.h"

static const char lead_usage[] =
    "usage: duban lead remind TASK --note TEXT [--json]\n"
    "\n"
    "For a measure's lead unit (牵头单位): remind (催办) the unit that owns one\n"
    "of the measure's tasks; it reads the note in its inbox (`duban inbox`).\n"
    "`duban tasks` lists the measures you lead with their colours.\n"
    "\n" DBN_CLI_CONNECTION_HELP;

/* The colour of one task as the desk and the board draw it (pace.h). */
static dbn_colour_t
task_colour(const Duban__Task *task, int64_t now)
{
  return dbn_task_colour(task, dbn_task_pace_start(task), now, NULL, NULL);
}

const char *
dbn_cli_task_colour_zh(const Duban__Task *task, int64_t now)
{
  return dbn_colour_name_zh(task_colour(task, now));
}

static bool
same_measure(const Duban__Task *a, const Duban__Task *b)
{
  return strcmp(a->plan, b->plan) == 0 && strcmp(a->section, b->section) == 0 &&
         strcmp(a->measure, b->measure) == 0;
}

void
dbn_cli_print_measure_rollups(FILE *out, const Duban__Reply *reply)
{
  for (size_t i = 0; i < reply->n_tasks; i++) {
    const Duban__Task *first = reply->tasks[i];
    if (!dbn_lead_reader_leads(first))
      continue;
    bool printed = false; /* the measure's first task the unit leads prints its line */
    for (size_t k = 0; k < i && !printed; k++)
      printed = same_measure(reply->tasks[k], first) && dbn_lead_reader_leads(reply->tasks[k]);
    if (printed)
      continue;
    dbn_colour_t colours[DBN_COLOUR_COUNT] = {0}, *all = calloc(reply->n_tasks, sizeof *all);
    size_t count = 0;
    for (size_t k = 0; all && k < reply->n_tasks; k++)
      if (same_measure(reply->tasks[k], first)) {
        all[count] = task_colour(reply->tasks[k], reply->now);
        colours[all[count++] % DBN_COLOUR_COUNT]++;
      }
    if (!all)
      return;
    fprintf(out, "牵头措施 %s:%s.%s：%s（%zu 项：绿 %d，蓝 %d，黄 %d，红 %d）\n", first->plan, first->section,
            first->measure, dbn_colour_name_zh(dbn_colour_rollup(all, count)), count,
            (int)colours[DBN_COLOUR_GREEN], (int)colours[DBN_COLOUR_BLUE], (int)colours[DBN_COLOUR_YELLOW],
            (int)colours[DBN_COLOUR_RED]);
    free(all);
  }
}

enum { OPT_NOTE = DBN_CLI_OPT_FIRST_FREE };

static int
note_option(dbn_cli_t *cli, int opt, const char *arg, void *ctx)
{
  if (opt != OPT_NOTE)
    return DBN_CLI_EXIT_OK;
  *(const char **)ctx = arg;
  return dbn_cli_check_text(cli, "--note", arg, DBN_MAX_TEXT, false);
}

static int
cmd_remind(int argc, char **argv)
{
  static const struct option options[] = {
      {"note", required_argument, NULL, OPT_NOTE}, DBN_CLI_COMMON_OPTIONS, {0}};
  dbn_cli_t cli;
  dbn_cli_init(&cli, "lead remind", lead_usage);
  const char *note = NULL;
  bool done;
  int rc = dbn_cli_parse_options(&cli, argc, argv, options, note_option, &note, 1, 1, &done);
  if (done)
    return rc;
  const char *task = argv[optind];
  if (!note)
    rc = dbn_cli_usage_error(&cli, "--note 是必填的：对方单位会看到催办内容");
  else if ((rc = dbn_cli_check_text(&cli, "TASK", task, DBN_MAX_ID, false)) == DBN_CLI_EXIT_OK) {
    Duban__Remind remind = DUBAN__REMIND__INIT;
    remind.task = (char *)task;
    remind.note = (char *)note;
    Duban__Request req = DUBAN__REQUEST__INIT;
    req.body_case = DUBAN__REQUEST__BODY_LEAD_REMIND;
    req.lead_remind = &remind;
    return dbn_cli_write_and_close(&cli, &req, "已催办 %s", task);
  }
  dbn_cli_fini(&cli);
  return rc;
}

int
dbn_cmd_lead(int argc, char **argv)
{
  static const dbn_cli_word_t words[] = {{"remind", cmd_remind}};
  return dbn_cli_run_word("lead", lead_usage, words, 1, argc, argv);
}
