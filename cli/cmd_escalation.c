/* cmd_escalation.c: what a coordinator (the leading group's office) types
 * besides `watch`: `escalations`, `ack`, `resolve`, `remind`, `accept`,
 * `reject` and `reassign`.
 *
 * All but `escalations` are one write each on one task or escalation with
 * at most one text option, so they share one table-driven runner; the
 * broker checks that the caller is a coordinator and that the state allows
 * the move. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "lang.h"
#include "cli.h"
#include "coordinator_write.h"

/* ---- escalations ---- */

static const char escalations_usage[] =
    "usage: duban escalations [--all] [--json]\n"
    "\n"
    "List open escalations (with --all, acknowledged and resolved ones too):\n"
    "id, state, level, task, category, when and by whom it was raised, reason.\n"
    "--json prints {\"escalations\": [...], \"head_seq\": N}.\n"
    "\n" DBN_CLI_CONNECTION_HELP;

static int
show_escalations(dbn_cli_t *cli, const Duban__Reply *reply, void *ctx)
{
  (void)ctx;
  if (!cli->json)
    return dbn_cli_print_escalations(stdout, reply->escalations, reply->n_escalations);
  return dbn_cli_print_json(stdout, dbn_cli_list_json("escalations", (void *const *)reply->escalations,
                                                      reply->n_escalations, reply->head_seq));
}

static int
all_option(dbn_cli_t *cli, int opt, const char *arg, void *ctx)
{
  (void)cli, (void)opt, (void)arg; /* --all is the only option of its own */
  ((Duban__ListEscalations *)ctx)->open_only = 0;
  return DBN_CLI_EXIT_OK;
}

int
dbn_cmd_escalations(int argc, char **argv)
{
  static const struct option options[] = {
      {"all", no_argument, NULL, DBN_CLI_OPT_FIRST_FREE},
      DBN_CLI_COMMON_OPTIONS,
      {0},
  };
  dbn_cli_t cli;
  dbn_cli_init(&cli, "escalations", escalations_usage);
  Duban__ListEscalations list = DUBAN__LIST_ESCALATIONS__INIT;
  list.open_only = 1;
  bool done;
  int rc = dbn_cli_parse_options(&cli, argc, argv, options, all_option, &list, 0, 0, &done);
  if (done)
    return rc;
  Duban__Request req = DUBAN__REQUEST__INIT;
  req.body_case = DUBAN__REQUEST__BODY_LIST_ESCALATIONS;
  req.list_escalations = &list;
  return dbn_cli_show_reply(&cli, &req, show_escalations, NULL);
}

/* ---- the simple writes ---- */

typedef enum { TARGET_ESCALATION, TARGET_TASK } target_t;

typedef struct {
  const char *name;              /* the subcommand */
  const char *usage;             /* its --help */
  target_t target;               /* what the positional argument names */
  const char *option;            /* the text option ("note", "reason", "unit") */
  bool option_required;          /* must the text option be given */
  const char *option2;           /* a second, optional text option, or NULL */
  const char *verb;              /* for "ok: VERB TARGET" */
  Duban__Request__BodyCase body; /* the request it sends */
} simple_write_t;

/* The Chinese of a spec's verb, for "完成：VERB TARGET". */
static const char *
verb_zh(const char *verb)
{
  static const struct {
    const char *en, *zh;
  } verbs[] = {
      {"acknowledged", "已确认收到"}, {"resolved", "已解决"}, {"reminded", "已催办"},
      {"accepted", "已验收通过"},     {"rejected", "已退回"}, {"reassigned", "已改派"},
  };
  for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
    if (strcmp(verbs[i].en, verb) == 0)
      return verbs[i].zh;
  return verb;
}

/* Build the request body for spec (domain/coordinator_write.h); the
 * strings are borrowed from argv. The text option is the note, 退回's
 * reason, or 改派's unit, whose reason is then the second. */
static void
build_request(const simple_write_t *spec, Duban__Request *req, dbn_coordinator_bodies_t *bodies,
              const char *target, uint64_t id, const char *text, const char *text2)
{
  bool reassign = spec->body == DUBAN__REQUEST__BODY_REASSIGN;
  dbn_coordinator_write_t write = {.escalation = id,
                                   .task = target,
                                   .note = text,
                                   .reason = reassign ? text2 : text,
                                   .unit = reassign ? text : NULL};
  int rc = dbn_coordinator_write_request(req, bodies, spec->body, &write);
  assert(rc == 0); /* every spec below is one of the six */
  (void)rc;
}

enum { OPT_TEXT = DBN_CLI_OPT_FIRST_FREE, OPT_TEXT2 };

/* The text options of a simple write as given; "" when not. */
typedef struct {
  const char *text;  /* the text option */
  const char *text2; /* the second one */
  bool have_text;    /* the text option was given */
} simple_texts_t;

static int
text_option(dbn_cli_t *cli, int opt, const char *arg, void *ctx)
{
  (void)cli;
  simple_texts_t *texts = ctx;
  if (opt == OPT_TEXT) {
    texts->text = arg;
    texts->have_text = true;
  } else if (opt == OPT_TEXT2) {
    texts->text2 = arg;
  }
  return DBN_CLI_EXIT_OK;
}

static int
run_simple_write(const simple_write_t *spec, int argc, char **argv)
{
  const struct option options[] = {
      {spec->option, required_argument, NULL, OPT_TEXT},
      {spec->option2 ? spec->option2 : spec->option, required_argument, NULL, OPT_TEXT2},
      DBN_CLI_COMMON_OPTIONS,
      {0},
  };
  dbn_cli_t cli;
  dbn_cli_init(&cli, spec->name, spec->usage);
  simple_texts_t texts = {"", "", false};
  bool done;
  int rc = dbn_cli_parse_options(&cli, argc, argv, options, text_option, &texts, 1, 1, &done);
  if (done)
    return rc;
  const char *text = texts.text, *text2 = texts.text2;
  const char *target = argv[optind];
  uint64_t id = 0;
  if (spec->target == TARGET_ESCALATION) {
    if (dbn_cli_parse_u64(target, &id) != 0 || id == 0)
      return dbn_cli_usage_error(&cli,
                                 dbn_tr("'%s' 不是督办事项编号（即提出它的事件号，见 'duban escalations'）",
                                        "'%s' is not an escalation id (the seq that raised it; see 'duban "
                                        "escalations')"),
                                 target);
  } else if ((rc = dbn_cli_check_text(&cli, "TASK", target, DBN_MAX_ID, false)) != 0) {
    return rc;
  }
  char option_name[32];
  snprintf(option_name, sizeof option_name, "--%s", spec->option);
  if (spec->option_required && !texts.have_text)
    return dbn_cli_usage_error(&cli, dbn_tr("必须给出 %s", "%s is required"), option_name);
  bool is_unit = strcmp(spec->option, "unit") == 0;
  if ((rc = dbn_cli_check_text(&cli, option_name, text, is_unit ? DBN_MAX_ID : DBN_MAX_TEXT,
                               !spec->option_required)) != 0 ||
      (rc = dbn_cli_check_text(&cli, "--reason", text2, DBN_MAX_TEXT, true)) != 0)
    return rc;

  dbn_coordinator_bodies_t storage;
  Duban__Request req = DUBAN__REQUEST__INIT;
  build_request(spec, &req, &storage, target, id, text, text2);
  char what[DBN_MAX_ID + 64];
  const char *verb = dbn_tr(verb_zh(spec->verb), spec->verb);
  if (spec->target == TARGET_ESCALATION)
    snprintf(what, sizeof what, dbn_tr("%s督办事项 #%llu", "%s escalation #%llu"), verb,
             (unsigned long long)id);
  else if (is_unit)
    snprintf(what, sizeof what, dbn_tr("%s %s 给 %s", "%s %s to %s"), verb, target, text);
  else
    snprintf(what, sizeof what, "%s %s", verb, target);
  rc = dbn_cli_write(&cli, &req, what);
  dbn_cli_fini(&cli);
  return rc;
}

static const simple_write_t ack_spec = {
    "ack",
    "usage: duban ack ESCALATION_ID [--note TEXT] [--json]\n"
    "\n"
    "Acknowledge an open escalation: the office has seen it and owns it now.\n"
    "An escalation not acknowledged within its SLA climbs one level.\n"
    "\n" DBN_CLI_CONNECTION_HELP,
    TARGET_ESCALATION,
    "note",
    false,
    NULL,
    "acknowledged",
    DUBAN__REQUEST__BODY_ACK};

static const simple_write_t resolve_spec = {
    "resolve",
    "usage: duban resolve ESCALATION_ID [--note TEXT] [--json]\n"
    "\n"
    "Resolve an escalation: the block is cleared. The note says how.\n"
    "\n" DBN_CLI_CONNECTION_HELP,
    TARGET_ESCALATION,
    "note",
    false,
    NULL,
    "resolved",
    DUBAN__REQUEST__BODY_RESOLVE};

static const simple_write_t remind_spec = {
    "remind",
    "usage: duban remind TASK [--note TEXT] [--json]\n"
    "\n"
    "Remind (催办) the owning department of a task; the reminder is counted on\n"
    "the task and shown to the department.\n"
    "\n" DBN_CLI_CONNECTION_HELP,
    TARGET_TASK,
    "note",
    false,
    NULL,
    "reminded",
    DUBAN__REQUEST__BODY_REMIND};

static const simple_write_t accept_spec = {"accept",
                                           "usage: duban accept TASK [--note TEXT] [--json]\n"
                                           "\n"
                                           "Accept submitted work: the task is done.\n"
                                           "\n" DBN_CLI_CONNECTION_HELP,
                                           TARGET_TASK,
                                           "note",
                                           false,
                                           NULL,
                                           "accepted",
                                           DUBAN__REQUEST__BODY_ACCEPT};

static const simple_write_t reject_spec = {
    "reject",
    "usage: duban reject TASK --reason TEXT [--json]\n"
    "\n"
    "Send submitted work back: the task returns to in_progress, with the\n"
    "reason for the department to act on.\n"
    "\n" DBN_CLI_CONNECTION_HELP,
    TARGET_TASK,
    "reason",
    true,
    NULL,
    "rejected",
    DUBAN__REQUEST__BODY_REJECT};

static const simple_write_t reassign_spec = {
    "reassign",
    "usage: duban reassign TASK --unit CODE [--reason TEXT] [--json]\n"
    "\n"
    "Give a task to another unit (by its code, as in the plan's units).\n"
    "\n" DBN_CLI_CONNECTION_HELP,
    TARGET_TASK,
    "unit",
    true,
    "reason",
    "reassigned",
    DUBAN__REQUEST__BODY_REASSIGN};

int
dbn_cmd_ack(int argc, char **argv)
{
  return run_simple_write(&ack_spec, argc, argv);
}

int
dbn_cmd_resolve(int argc, char **argv)
{
  return run_simple_write(&resolve_spec, argc, argv);
}

int
dbn_cmd_remind(int argc, char **argv)
{
  return run_simple_write(&remind_spec, argc, argv);
}

int
dbn_cmd_accept(int argc, char **argv)
{
  return run_simple_write(&accept_spec, argc, argv);
}

int
dbn_cmd_reject(int argc, char **argv)
{
  return run_simple_write(&reject_spec, argc, argv);
}

int
dbn_cmd_reassign(int argc, char **argv)
{
  return run_simple_write(&reassign_spec, argc, argv);
}
