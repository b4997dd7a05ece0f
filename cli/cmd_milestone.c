/* cmd_milestone.c: `duban milestone met|confirm|return`, milestones met one
 * by one (domain/milestone.h).
 *
 * A department reports one milestone of its task met, with the figures it
 * reached and a note; a coordinator confirms it, after which that due day no
 * longer makes the task overdue, or sends it back with a reason, which the
 * department reads in its inbox. A milestone is named by its number in
 * `duban task` or by its due day; the broker answers which. */
#include <stdlib.h>
#include <string.h>

#include "lang.h"
#include "cli.h"
#include "cli_evidence.h"

static const char milestone_usage[] =
    "usage: duban milestone met TASK MILESTONE [--figure 'WHAT=VALUE[UNIT]']... [--note TEXT]\n"
    "                           [--evidence FILE]...\n"
    "       duban milestone confirm TASK MILESTONE [--note TEXT]\n"
    "       duban milestone return TASK MILESTONE --reason TEXT\n"
    "\n"
    "A milestone (节点) is met one at a time. `met` (for departments) reports it\n"
    "met, with the figures reached against the task's targets; `confirm` (for\n"
    "coordinators) accepts that, after which its due day no longer makes the task\n"
    "overdue; `return` sends the report back with a reason. MILESTONE is its\n"
    "number in `duban task TASK` (1, 2, ...) or its due day (2023-12-31).\n"
    "\n" DBN_CLI_EVIDENCE_HELP "\n" DBN_CLI_CONNECTION_HELP;

enum { OPT_FIGURE = DBN_CLI_OPT_FIRST_FREE, OPT_NOTE, OPT_REASON, OPT_EVIDENCE };

/* What the options of one milestone command said; the figures' strings are
 * its to clear. */
typedef struct {
  dbn_cli_figures_t figures;
  const char *note;
  const char *reason;
  dbn_cli_evidence_t evidence;
} milestone_options_t;

static int
milestone_option(dbn_cli_t *cli, int opt, const char *arg, void *ctx)
{
  milestone_options_t *o = ctx;
  if (opt == OPT_NOTE) {
    o->note = arg;
    return dbn_cli_check_text(cli, "--note", arg, DBN_MAX_TEXT, true);
  }
  if (opt == OPT_REASON) {
    o->reason = arg;
    return dbn_cli_check_text(cli, "--reason", arg, DBN_MAX_TEXT, false);
  }
  if (opt == OPT_EVIDENCE)
    return dbn_cli_evidence_option(cli, &o->evidence, arg);
  if (opt == OPT_FIGURE)
    return dbn_cli_figure_option(cli, &o->figures, arg);
  return DBN_CLI_EXIT_OK;
}

/* Send the request body_case of word with the task, milestone and options
 * parsed. */
static int
send_milestone(dbn_cli_t *cli, Duban__Request__BodyCase body_case, const char *task, const char *due,
               milestone_options_t *o)
{
  Duban__MilestoneMet met = DUBAN__MILESTONE_MET__INIT;
  Duban__MilestoneConfirm confirm = DUBAN__MILESTONE_CONFIRM__INIT;
  Duban__MilestoneReturn back = DUBAN__MILESTONE_RETURN__INIT;
  Duban__Request req = DUBAN__REQUEST__INIT;
  req.body_case = body_case;
  const char *note = o->note ? o->note : "";
  if (body_case == DUBAN__REQUEST__BODY_MILESTONE_MET) {
    met.task = (char *)task;
    met.due = (char *)due;
    met.note = (char *)note;
    met.figures = o->figures.ptrs;
    met.n_figures = o->figures.n;
    int rc = dbn_cli_evidence_load(cli, &o->evidence);
    if (rc != DBN_CLI_EXIT_OK)
      return rc;
    met.evidence = o->evidence.ptrs;
    met.n_evidence = o->evidence.n;
    req.milestone_met = &met;
    return dbn_cli_write_and_close(
        cli, &req, dbn_tr("已报告 %2$s 的节点 %1$s 完成", "reported milestone %s of %s met"), due, task);
  }
  if (body_case == DUBAN__REQUEST__BODY_CONFIRM_MILESTONE) {
    confirm.task = (char *)task;
    confirm.due = (char *)due;
    confirm.note = (char *)note;
    req.confirm_milestone = &confirm;
    return dbn_cli_write_and_close(
        cli, &req, dbn_tr("已确认 %2$s 的节点 %1$s 完成", "confirmed milestone %s of %s"), due, task);
  }
  back.task = (char *)task;
  back.due = (char *)due;
  back.reason = (char *)o->reason;
  req.return_milestone = &back;
  return dbn_cli_write_and_close(cli, &req, dbn_tr("已退回 %2$s 的节点 %1$s", "returned milestone %s of %s"),
                                 due, task);
}

static int
run_milestone(const char *word, Duban__Request__BodyCase body_case, int argc, char **argv)
{
  static const struct option options[] = {
      {"figure", required_argument, NULL, OPT_FIGURE},
      {"note", required_argument, NULL, OPT_NOTE},
      {"reason", required_argument, NULL, OPT_REASON},
      {"evidence", required_argument, NULL, OPT_EVIDENCE},
      DBN_CLI_COMMON_OPTIONS,
      {0},
  };
  char command[32];
  snprintf(command, sizeof command, "milestone %s", word);
  dbn_cli_t cli;
  dbn_cli_init(&cli, command, milestone_usage);
  milestone_options_t o = {0};
  bool done;
  int rc = dbn_cli_parse_options(&cli, argc, argv, options, milestone_option, &o, 2, 2, &done);
  if (!done) {
    const char *task = argv[optind], *due = argv[optind + 1];
    if (o.figures.n && body_case != DUBAN__REQUEST__BODY_MILESTONE_MET)
      rc = dbn_cli_usage_error(
          &cli, "%s", dbn_tr("--figure 只用于 `milestone met`", "--figure goes with `milestone met` only"));
    else if (o.evidence.n && body_case != DUBAN__REQUEST__BODY_MILESTONE_MET)
      rc = dbn_cli_usage_error(
          &cli, "%s",
          dbn_tr("--evidence 只用于 `milestone met`", "--evidence goes with `milestone met` only"));
    else if (o.reason && body_case != DUBAN__REQUEST__BODY_RETURN_MILESTONE)
      rc = dbn_cli_usage_error(&cli, "%s",
                               dbn_tr("--reason 只用于 `milestone return`，这里请用 --note",
                                      "--reason goes with `milestone return` only; say --note"));
    else if (!o.reason && body_case == DUBAN__REQUEST__BODY_RETURN_MILESTONE)
      rc = dbn_cli_usage_error(&cli, "%s",
                               dbn_tr("必须给出 --reason：部门要看到退回的原因",
                                      "--reason is required: the department reads why it was sent back"));
    else if ((rc = dbn_cli_check_text(&cli, "TASK", task, DBN_MAX_ID, false)) == DBN_CLI_EXIT_OK &&
             (rc = dbn_cli_check_text(&cli, "MILESTONE", due, DBN_MAX_ID, false)) == DBN_CLI_EXIT_OK)
      rc = send_milestone(&cli, body_case, task, due, &o);
  }
  dbn_cli_figures_clear(&o.figures);
  dbn_cli_evidence_clear(&o.evidence);
  dbn_cli_fini(&cli);
  return rc;
}

static int
cmd_met(int argc, char **argv)
{
  return run_milestone("met", DUBAN__REQUEST__BODY_MILESTONE_MET, argc, argv);
}

static int
cmd_confirm(int argc, char **argv)
{
  return run_milestone("confirm", DUBAN__REQUEST__BODY_CONFIRM_MILESTONE, argc, argv);
}

static int
cmd_return(int argc, char **argv)
{
  return run_milestone("return", DUBAN__REQUEST__BODY_RETURN_MILESTONE, argc, argv);
}

int
dbn_cmd_milestone(int argc, char **argv)
{
  static const dbn_cli_word_t words[] = {{"met", cmd_met}, {"confirm", cmd_confirm}, {"return", cmd_return}};
  return dbn_cli_run_word("milestone", milestone_usage, words, sizeof words / sizeof words[0], argc, argv);
}
