/* cmd_plan.c: `duban plan import` and `duban plan load`, how a plan gets
 * from a document to the broker.
 *
 * `plan import FILE` reads a breakdown document and prints the plan JSON
 * (the importer in plan_import.c does all of it). `plan load FILE.json`
 * turns plan JSON into the protobuf Plan (plan_json.c resolves unit names
 * to codes and checks the limits) and sends it as LoadPlan with an admin's
 * identity; the broker turns every action into a task. `plan import --load`
 * does both in one step without an intermediate file. */
#include <stdlib.h>
#include <string.h>

#include "lang.h"
#include "cli.h"
#include "plan_diff.h"
#include "plan_import.h"
#include "plan_json.h"

static const char plan_usage[] =
    "usage: duban plan import FILE [--units FILE] [--id ID] [--report FILE] [--load]\n"
    "       duban plan load FILE.json [--json]\n"
    "       duban plan diff OLD NEW [--json]\n"
    "\n"
    "  import   read a breakdown document (分解方案) and print the plan JSON\n"
    "           (docs/plan-format.md); what the importer was unsure of goes to\n"
    "           stderr or --report. With --load, send it to the broker at once.\n"
    "  load     send a plan in JSON to the broker (admin), which makes a task\n"
    "           of every action\n"
    "  change   计划调整: add, cancel or re-date tasks of a loaded plan, with a\n"
    "           reason ('duban plan change --help')\n"
    "  diff     the tasks a revised version adds, removes and changes\n"
    "\n"
    "'duban plan import --help' and 'duban plan load --help' say more.\n";

static const char load_usage[] = "usage: duban plan load FILE.json [--json]\n"
                                 "\n"
                                 "Send a plan in JSON (duban-plan/1, as 'duban plan import' prints it) to\n"
                                 "the broker, which checks it and makes a task of every action. Needs an\n"
                                 "admin's key. Loading the same plan id twice is refused.\n"
                                 "\n" DBN_CLI_CONNECTION_HELP;

static const char import_load_usage[] =
    "usage: duban plan import FILE --load [--units FILE] [--id ID] [--horizon DATE] [--report FILE]\n"
    "                         [--json]\n"
    "\n"
    "Import a breakdown document and send the plan to the broker in one step.\n"
    "Without --load, 'duban plan import' prints the plan JSON instead; see\n"
    "'duban plan import --help'.\n"
    "\n" DBN_CLI_CONNECTION_HELP;

/* Send plan JSON as LoadPlan and report the outcome. json is borrowed. */
static int
load_plan_json(dbn_cli_t *cli, const cJSON *json, const char *source)
{
  Duban__Plan *plan = NULL;
  char why[512] = "";
  int err = dbn_plan_from_json(json, &plan, why, sizeof why);
  if (err != 0)
    return dbn_cli_fail(dbn_wire_code_name(dbn_wire_error_code(err)), dbn_tr("%s：%s", "%s: %s"), source,
                        why[0] ? why : dbn_strerror(err));

  size_t tasks;
  dbn_cli_plan_size(plan, NULL, &tasks);
  Duban__LoadPlan load = DUBAN__LOAD_PLAN__INIT;
  load.plan = plan;
  Duban__Request req = DUBAN__REQUEST__INIT;
  req.body_case = DUBAN__REQUEST__BODY_LOAD_PLAN;
  req.load_plan = &load;
  char what[DBN_MAX_ID + 96];
  snprintf(what, sizeof what,
           dbn_tr("已导入计划 %s：%zu 个单位，%zu 项任务", "loaded plan %s: %zu units, %zu tasks"), plan->id,
           plan->n_units, tasks);
  int rc = dbn_cli_write(cli, &req, what);
  dbn_plan_free(&plan);
  return rc;
}

static int
cmd_load(int argc, char **argv)
{
  dbn_cli_t cli;
  dbn_cli_init(&cli, "plan load", load_usage);
  bool done;
  int rc = dbn_cli_parse_common(&cli, argc, argv, 1, 1, &done);
  if (done)
    return rc;
  const char *path = argv[optind];

  char *text;
  int err = dbn_cli_read_file(path, DBN_MAX_MESSAGE, &text, NULL);
  if (err == DBN_ETOOBIG)
    return dbn_cli_fail(
        "invalid_argument",
        dbn_tr("%s 超过一条消息的上限（%d 字节）", "%s is larger than a message may be (%d bytes)"), path,
        DBN_MAX_MESSAGE);
  if (err != 0)
    return dbn_cli_fail(dbn_wire_code_name(dbn_wire_error_code(err)),
                        dbn_tr("无法读取 %s：%s", "cannot read %s: %s"), path, dbn_strerror(err));
  cJSON *json = cJSON_Parse(text);
  if (!json) {
    const char *where = cJSON_GetErrorPtr();
    size_t offset = where && where >= text ? (size_t)(where - text) : 0;
    size_t line = 1;
    for (size_t i = 0; i < offset && text[i]; i++)
      line += text[i] == '\n';
    free(text);
    return dbn_cli_fail("invalid_argument",
                        dbn_tr("%s 不是有效的 JSON（约第 %zu 行）", "%s is not valid JSON (near line %zu)"),
                        path, line);
  }
  free(text);
  rc = load_plan_json(&cli, json, path);
  cJSON_Delete(json);
  dbn_cli_fini(&cli);
  return rc;
}

/* `plan import FILE --load ...`: the importer's options are read here too,
 * since the importer's own parser refuses --load. */
enum { OPT_UNITS = DBN_CLI_OPT_FIRST_FREE, OPT_ID, OPT_REPORT, OPT_HORIZON, OPT_LOAD };

/* The importer's options, borrowed from argv; NULL when not given. */
typedef struct {
  const char *units;       /* --units */
  const char *id;          /* --id */
  const char *report_path; /* --report */
  const char *horizon;     /* --horizon */
} import_options_t;

static int
import_option(dbn_cli_t *cli, int opt, const char *arg, void *ctx)
{
  (void)cli;
  import_options_t *import = ctx;
  if (opt == OPT_UNITS)
    import->units = arg;
  else if (opt == OPT_ID)
    import->id = arg;
  else if (opt == OPT_REPORT)
    import->report_path = arg;
  else if (opt == OPT_HORIZON)
    import->horizon = arg;
  return DBN_CLI_EXIT_OK; /* --load is why we are here */
}

static int
cmd_import_load(int argc, char **argv)
{
  static const struct option options[] = {
      {"units", required_argument, NULL, OPT_UNITS},
      {"id", required_argument, NULL, OPT_ID},
      {"report", required_argument, NULL, OPT_REPORT},
      {"horizon", required_argument, NULL, OPT_HORIZON},
      {"load", no_argument, NULL, OPT_LOAD},
      DBN_CLI_COMMON_OPTIONS,
      {0},
  };
  dbn_cli_t cli;
  dbn_cli_init(&cli, "plan import", import_load_usage);
  import_options_t import = {NULL, NULL, NULL, NULL};
  bool done;
  int rc = dbn_cli_parse_options(&cli, argc, argv, options, import_option, &import, 1, 1, &done);
  if (done)
    return rc;
  const char *path = argv[optind], *report_path = import.report_path;

  cJSON *plan = NULL, *report = NULL;
  char why[512] = "";
  int err = dbn_plan_import_file_horizon(path, import.units, import.id, import.horizon, &plan, &report, why,
                                         sizeof why);
  if (err != 0)
    return dbn_cli_fail(dbn_wire_code_name(dbn_wire_error_code(err)), dbn_tr("%s：%s", "%s: %s"), path,
                        why[0] ? why : dbn_strerror(err));
  if (report && cJSON_GetArraySize(report) > 0) {
    FILE *out = report_path ? fopen(report_path, "w") : stderr;
    if (!out) {
      rc = dbn_cli_fail("invalid_argument", dbn_tr("无法把报告写入 %s", "cannot write the report to %s"),
                        report_path);
    } else {
      if (report_path) {
        char *text = cJSON_Print(report);
        if (text) {
          fprintf(out, "%s\n", text);
          cJSON_free(text);
        }
        fclose(out);
      } else {
        dbn_cli_print_import_report(stderr, report);
      }
    }
  }
  if (rc == DBN_CLI_EXIT_OK)
    rc = load_plan_json(&cli, plan, path);
  cJSON_Delete(plan);
  cJSON_Delete(report);
  dbn_cli_fini(&cli);
  return rc;
}

/* `plan import`: with --load (before any "--") it goes on to the broker,
 * else the importer prints the plan JSON. */
static int
cmd_import(int argc, char **argv)
{
  for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
    if (strcmp(argv[i], "--load") == 0)
      return cmd_import_load(argc, argv);
  return dbn_cmd_plan_import(argc, argv);
}

int
dbn_cmd_plan(int argc, char **argv)
{
  static const dbn_cli_word_t words[] = {{"import", cmd_import},
                                         {"load", cmd_load},
                                         {"change", dbn_cmd_plan_change},
                                         {"diff", dbn_cmd_plan_diff}};
  return dbn_cli_run_word("plan", plan_usage, words, sizeof words / sizeof words[0], argc, argv);
}
