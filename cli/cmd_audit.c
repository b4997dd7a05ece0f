/* cmd_audit.c: `duban audit verify` and `duban audit replay`, the
 * auditors' view of the log.
 *
 * An auditor trusts the file, not the broker: both commands open the LMDB
 * log directly, read-only, with no broker connection and no key. LMDB's
 * readers do not block its writer, so they run against a live broker's data
 * directory and see a consistent snapshot as of the moment they start. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "lang.h"
#include "checkpoint.h"
#include "cosign.h"
#include "cli.h"
#include "date.h"
#include "event_line.h"
#include "event_subject.h"
#include "report.h"
#include "store.h"

static const char audit_usage[] =
    "usage: duban audit verify --data DIR [--json]\n"
    "       duban audit replay --data DIR [--after SEQ] [--until SEQ] [--json]\n"
    "       duban audit report --data DIR [--until SEQ | --at YYYY-MM-DD] [--verify] [--json]\n"
    "       duban audit export --data DIR --xlsx FILE [--until SEQ | --at YYYY-MM-DD]\n"
    "       duban audit checkpoints --witness DIR --key BROKER.SIGN [--export OUT] [--json]\n"
    "\n"
    "  verify   walk the hash chain of the log and rebuild every view from it;\n"
    "           say OK, or the first sequence number where anything disagrees\n"
    "           (exit 1)\n"
    "  replay   print every event, one readable line each, or one JSON object\n"
    "           per line with --json\n"
    "  report   考核: scores, ranks and colours per department, the overdue list,\n"
    "           escalations and monthly colours, now or at a past moment\n"
    "  export   the same report as an Excel workbook\n"
    "  checkpoints  list (or --export) the broker's signed checkpoints an agent kept\n"
    "\n"
    "Both read the broker's data directory read-only and work while it runs.\n";

static const char verify_usage[] =
    "usage: duban audit verify --data DIR [--chain-only] [--witness DIR --key BROKER.SIGN] [--json]\n"
    "\n"
    "Walk the log in DIR (the broker's data directory): every key is the next\n"
    "sequence number, every event decodes and carries the hash of the one\n"
    "before it. Then rebuild every view from the log and compare. Prints the\n"
    "events walked, the head, and OK or the first bad sequence number and what\n"
    "is wrong there. Exit 0 when the log verifies, 1 when it does not.\n"
    "--chain-only checks the chain without rebuilding the views (faster).\n"
    "--json prints {\"ok\", \"events\", \"head_seq\", \"first_bad_seq\", \"problem\", \"note\",\n"
    "\"crypto\"}; the note says what could not be checked (views an older duban\n"
    "wrote, until a broker rebuilds them). crypto is the log's profile, read from\n"
    "its first event: ed25519-blake2b (BLAKE2b chain, Ed25519 signatures) or sm\n"
    "(SM3 chain, SM2 signatures); every hash and signature is checked with it.\n"
    "\n"
    "--witness DIR also compares the log with the checkpoints the broker signed\n"
    "and an agent kept there (the agent's data directory's witness/, or what\n"
    "`duban audit checkpoints --export` wrote): for each, the log must hold its\n"
    "seq and that event must hash to the signed head. A log rewritten and\n"
    "re-chained, cut short or rolled back verifies on its own but not against\n"
    "the witness; verify names the first checkpoint's seq where they part.\n"
    "--key is the broker's published signing key (KEYS/broker.sign); a\n"
    "checkpoint whose signature does not hold is left out and counted.\n"
    "--json adds \"witness\": {\"checkpoints\", \"refused\", \"agreed_seq\",\n"
    "\"first_bad_seq\", \"beyond_head\", \"problem\", \"cosignatures\", \"cosigners\",\n"
    "\"cosign_first_bad_seq\", \"cosign_problem\"}.\n"
    "Each department's cosignature there (an agent with its own signing key\n"
    "cosigns every checkpoint it keeps) must hold for the key the log registered\n"
    "for it: verify says who cosigned up to which seq, and fails on a cosignature\n"
    "that was changed or made with a key the log never registered.\n";

static const char checkpoints_usage[] =
    "usage: duban audit checkpoints --witness DIR --key BROKER.SIGN [--export OUT] [--json]\n"
    "\n"
    "List the broker's signed checkpoints kept in DIR (an agent's DATA/witness):\n"
    "seq, time (Beijing), head hash and key id, each checked against --key\n"
    "(KEYS/broker.sign). --export OUT copies those whose signature holds into\n"
    "OUT with the department's cosignatures, for an auditor: several\n"
    "departments' exports may go into one directory, which `duban audit verify\n"
    "--witness OUT` reads.\n";

static const char replay_usage[] =
    "usage: duban audit replay --data DIR [--after SEQ] [--until SEQ] [--task TASK] [--json]\n"
    "\n"
    "Print the events of the log in DIR with after < seq <= until (default:\n"
    "all): seq, time (UTC), actor, kind, task, details. With --json one object\n"
    "per line: seq, time (ISO-8601 UTC), actor, request_id, kind, prev_hash and\n"
    "the fields of the event's body. --task TASK (a full id, or 2.1.1 when one\n"
    "plan has it) prints that task's history only: its events, plan changes\n"
    "(计划调整) included, and those of the escalations raised on it.\n";

static const char report_usage[] =
    "usage: duban audit report --data DIR [--until SEQ | --at YYYY-MM-DD] [--verify] [--json]\n"
    "       duban audit export --data DIR --xlsx FILE [--until SEQ | --at YYYY-MM-DD]\n"
    "\n"
    "The assessment (考核) of every department: its score and the parts of it,\n"
    "its rank, its tasks by colour (红黄蓝绿), the overdue tasks with days late,\n"
    "escalations it raised itself and automatic ones, and its colour at the end\n"
    "of each month. Scored with the scoring rules in force at the moment (duban\n"
    "scoring load), named with the log's head hash so that it can be checked.\n"
    "By default as the log stands now (the broker's clock); --until SEQ right\n"
    "after event SEQ; --at DATE at the end of that day, Asia/Shanghai time, by\n"
    "replaying the log into a scratch copy. --verify also verifies the log.\n"
    "export --xlsx FILE writes the workbook (sheets 任务, 指标, 考核排名, 逾期清单).\n";

/* Parse --data and the shared --json/--help, plus --after/--until when
 * range is not NULL. */
static int
parse_audit(dbn_cli_t *cli, int argc, char **argv, const char **dir_p, uint64_t range[2], bool *done_p)
{
  enum { OPT_DATA = DBN_CLI_OPT_FIRST_FREE, OPT_AFTER, OPT_UNTIL };
  static const struct option options[] = {
      {"data", required_argument, NULL, OPT_DATA},   {"after", required_argument, NULL, OPT_AFTER},
      {"until", required_argument, NULL, OPT_UNTIL}, {"json", no_argument, NULL, DBN_CLI_OPT_JSON},
      {"help", no_argument, NULL, DBN_CLI_OPT_HELP}, {0},
  };
  *done_p = true;
  int opt, rc;
  optind = 0;
  while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
    if (opt == OPT_DATA) {
      *dir_p = optarg;
    } else if ((opt == OPT_AFTER || opt == OPT_UNTIL) && range) {
      if (dbn_cli_parse_u64(optarg, &range[opt == OPT_AFTER ? 0 : 1]) != 0)
        return dbn_cli_usage_error(
            cli, dbn_tr("--%s 要一个序号，而不是 '%s'", "--%s wants a sequence number, not '%s'"),
            opt == OPT_AFTER ? "after" : "until", optarg);
    } else if (opt == OPT_AFTER || opt == OPT_UNTIL) {
      return dbn_cli_usage_error(
          cli, "%s", dbn_tr("--after 和 --until 只用于 replay", "--after and --until are for replay"));
    } else if ((rc = dbn_cli_common_option(cli, opt, optarg)) != 0) {
      return rc;
    }
  }
  rc = dbn_cli_finish_options(cli, argc - optind, 0, 0, done_p);
  if (*done_p || rc) {
    *done_p = true;
    return rc;
  }
  if (!*dir_p || !(*dir_p)[0]) {
    *done_p = true;
    return dbn_cli_usage_error(cli, "%s",
                               dbn_tr("必须给出 --data DIR（中心服务的数据目录）",
                                      "--data DIR (the broker's data directory) is required"));
  }
  return DBN_CLI_EXIT_OK;
}

/* An option of one audit subcommand that parse_audit does not know
 * (verify's --chain-only, report's --at): taken out of argv before
 * parse_audit sees the rest. */
typedef struct {
  const char *name;  /* as typed: "--chain-only" */
  bool takes_value;  /* the next argument is its value */
  bool given;        /* it was on the command line */
  const char *value; /* its value, borrowed from argv; NULL if none */
} own_option_t;

/* argv without own's option, NULL-terminated, *n_p arguments long; the
 * caller frees it. An option that wants a value and is last is left in, for
 * getopt to refuse. NULL when out of memory. */
static char **
take_own_option(int argc, char **argv, own_option_t *own, int *n_p)
{
  char **rest = calloc((size_t)argc + 1, sizeof *rest);
  if (!rest)
    return NULL;
  int n = 0;
  for (int i = 0; i < argc; i++) {
    if (strcmp(argv[i], own->name) == 0 && (!own->takes_value || i + 1 < argc)) {
      own->given = true;
      if (own->takes_value)
        own->value = argv[++i];
    } else {
      rest[n++] = argv[i];
    }
  }
  *n_p = n;
  return rest;
}

/* parse_audit on argv without every option of own (count of them). */
static int
parse_audit_own(dbn_cli_t *cli, int argc, char **argv, own_option_t *own, int count, const char **dir_p,
                uint64_t range[2], bool *done_p)
{
  char **kept[8] = {NULL};
  int n = argc;
  char **rest = argv;
  for (int k = 0; k < count && k < 8; k++) {
    kept[k] = take_own_option(n, rest, &own[k], &n);
    if (!kept[k])
      break;
    rest = kept[k];
  }
  int rc = DBN_CLI_EXIT_FAIL;
  *done_p = true;
  if (count <= 8 && kept[count - 1])
    rc = parse_audit(cli, n, rest, dir_p, range, done_p);
  for (int k = 0; k < count && k < 8; k++)
    free(kept[k]);
  return rc;
}

/* The checkpoints in witness_dir whose signature holds against the key in
 * key_path, or a message and DBN_CLI_EXIT_FAIL. */
static int
load_witness(const char *witness_dir, const char *key_path, Duban__Checkpoint ***list_p, size_t *count_p,
             size_t *refused_p)
{
  dbn_sign_key_t key;
  int err = dbn_sign_key_load_public(&key, key_path);
  if (err)
    return dbn_cli_fail(
        dbn_wire_code_name(dbn_wire_error_code(err)),
        dbn_tr("无法读取中心服务的签名公钥 %s：%s", "cannot read the broker's signing key %s: %s"), key_path,
        dbn_strerror(err));
  err = dbn_checkpoints_load(witness_dir, &key, list_p, count_p, refused_p);
  if (err)
    return dbn_cli_fail(dbn_wire_code_name(dbn_wire_error_code(err)),
                        dbn_tr("无法读取 %s 中的检查点：%s", "cannot read the checkpoints in %s: %s"),
                        witness_dir, dbn_strerror(err));
  return DBN_CLI_EXIT_OK;
}

/* Print (or add to json) who cosigned the checkpoints in report. */
static void
print_cosigners(const dbn_cosign_report_t *report, size_t count, cJSON *json)
{
  cJSON *by = json ? cJSON_AddArrayToObject(json, "cosigners") : NULL;
  if (json) {
    cJSON_AddNumberToObject(json, "cosignatures", (double)count);
    cJSON_AddNumberToObject(json, "cosign_first_bad_seq", (double)report->first_bad_seq);
    cJSON_AddStringToObject(json, "cosign_problem", report->problem);
  } else if (count) {
    printf("副署:          %zu 份，成立 %zu 份\n", count, report->held);
  }
  for (size_t i = 0; i < report->n_by; i++) {
    cJSON *item = by ? cJSON_CreateObject() : NULL;
    if (item) {
      cJSON_AddStringToObject(item, "identity", report->by[i].identity);
      cJSON_AddNumberToObject(item, "checkpoints", (double)report->by[i].count);
      cJSON_AddNumberToObject(item, "last_seq", (double)report->by[i].last_seq);
      cJSON_AddItemToArray(by, item);
    } else if (!json) {
      printf("  %s 副署了 %zu 个检查点，最晚到第 %llu 号\n", report->by[i].identity, report->by[i].count,
             (unsigned long long)report->by[i].last_seq);
    }
  }
  if (!json && report->problem[0])
    printf("副署不成立：%s\n", report->problem);
}

/* Check the witnesses' cosignatures kept in witness_dir against the log's
 * key registry (store/cosign.h); false with a message when one fails.
 * Printed as text unless quiet (--json), added to json when given. */
static bool
verify_cosigns(const char *dir, const char *witness_dir, const char *key_path, bool quiet, cJSON *json,
               int *rc_p)
{
  dbn_sign_key_t key;
  Duban__CheckpointCosignature **list = NULL;
  size_t count = 0, unreadable = 0;
  int err = dbn_sign_key_load_public(&key, key_path);
  if (err == 0)
    err = dbn_cosigns_load(witness_dir, &list, &count, &unreadable);
  dbn_cosign_report_t report;
  memset(&report, 0, sizeof report);
  if (err == 0)
    err = dbn_store_verify_cosigns(dir, &key, list, count, &report);
  dbn_cosigns_free(list, count);
  if (err != 0 && err != DBN_ECORRUPT) {
    *rc_p = dbn_cli_fail(dbn_wire_code_name(dbn_wire_error_code(err)), "无法检查 %s 中的副署：%s",
                         witness_dir, dbn_strerror(err));
    return false;
  }
  if (err == 0 && unreadable) {
    snprintf(report.problem, sizeof report.problem, "%s 中有 %zu 个副署文件无法读取（被截断或改过）",
             witness_dir, unreadable);
    err = DBN_ECORRUPT;
  }
  if (json || !quiet)
    print_cosigners(&report, count, json);
  if (err)
    fprintf(stderr, "duban: data_loss: %s\n", report.problem);
  return err == 0;
}

/* Compare the log in dir with the witness; print and return whether it
 * agrees (json: add "witness" to it). */
static bool
verify_witness(const char *dir, const char *witness_dir, const char *key_path, cJSON *json, int *rc_p)
{
  Duban__Checkpoint **list = NULL;
  size_t count = 0, refused = 0;
  *rc_p = load_witness(witness_dir, key_path, &list, &count, &refused);
  if (*rc_p != DBN_CLI_EXIT_OK)
    return false;
  dbn_witness_report_t report;
  int err = dbn_store_verify_witness(dir, list, count, &report);
  dbn_checkpoints_free(list, count);
  if (err != 0 && err != DBN_ECORRUPT) {
    *rc_p = dbn_cli_fail(dbn_wire_code_name(dbn_wire_error_code(err)),
                         dbn_tr("无法读取 %s 中的日志：%s", "cannot read the log in %s: %s"), dir,
                         dbn_strerror(err));
    return false;
  }
  bool ok = err == 0;
  cJSON *w = json ? cJSON_AddObjectToObject(json, "witness") : NULL;
  if (w) {
    cJSON_AddNumberToObject(w, "checkpoints", (double)count);
    cJSON_AddNumberToObject(w, "refused", (double)refused);
    cJSON_AddNumberToObject(w, "agreed_seq", (double)report.agreed_seq);
    cJSON_AddNumberToObject(w, "first_bad_seq", (double)report.first_bad_seq);
    cJSON_AddBoolToObject(w, "beyond_head", report.beyond_head);
    cJSON_AddStringToObject(w, "problem", report.problem);
  } else if (!json) {
    printf(dbn_tr("见证：        %2$s 中有 %1$zu 个检查点", "witness:       %zu checkpoints in %s"), count,
           witness_dir);
    if (refused)
      printf(dbn_tr("（%zu 个签名不成立，未采用）", " (%zu refused: their signature does not hold)"),
             refused);
    printf("\n");
    if (ok)
      printf(dbn_tr("通过：日志与中心服务签署的每个检查点一致（至第 %llu 号事件）\n",
                    "OK: the log agrees with every checkpoint the broker signed (up to seq %llu)\n"),
             (unsigned long long)report.agreed_seq);
    else
      printf(dbn_tr("与见证不符：第 %llu 号事件：%s\n", "WITNESS MISMATCH at seq %llu: %s\n"),
             (unsigned long long)report.first_bad_seq, report.problem);
  }
  if (!ok)
    fprintf(stderr, "duban: data_loss: %s\n", report.problem);
  bool cosigns_ok = verify_cosigns(dir, witness_dir, key_path, json != NULL, w, rc_p);
  ok = ok && cosigns_ok;
  if (json)
    cJSON_ReplaceItemInObject(json, "ok",
                              cJSON_CreateBool(ok && cJSON_IsTrue(cJSON_GetObjectItem(json, "ok"))));
  return ok;
}

/* Open the log in dir read-only, or say why not. */
static int
open_log(const char *dir, dbn_store_t **store_p)
{
  dbn_store_options_t options = {.read_only = true};
  int err = dbn_store_open(store_p, dir, &options);
  if (err != 0)
    return dbn_cli_fail(dbn_wire_code_name(dbn_wire_error_code(err)),
                        dbn_tr("无法打开 %s 中的日志：%s", "cannot open the log in %s: %s"), dir,
                        dbn_strerror(err));
  return DBN_CLI_EXIT_OK;
}

static int
cmd_verify(int argc, char **argv)
{
  dbn_cli_t cli;
  dbn_cli_init(&cli, "audit verify", verify_usage);
  const char *dir = NULL;
  own_option_t own[] = {
      {"--chain-only", false, false, NULL}, {"--witness", true, false, NULL}, {"--key", true, false, NULL}};
  bool done;
  int rc = parse_audit_own(&cli, argc, argv, own, 3, &dir, NULL, &done);
  if (done)
    return rc;
  bool chain_only = own[0].given;
  const char *witness_dir = own[1].value, *key_path = own[2].value;
  if (witness_dir && !key_path)
    return dbn_cli_usage_error(
        &cli, "%s",
        dbn_tr("--witness 需要 --key BROKER.SIGN（中心服务公布的签名公钥）",
               "--witness needs --key BROKER.SIGN (the broker's published signing key)"));

  dbn_verify_report_t report;
  memset(&report, 0, sizeof report);
  int err = chain_only ? dbn_store_verify_chain(dir, &report) : dbn_store_verify(dir, NULL, &report);
  if (err != 0 && err != DBN_ECORRUPT)
    return dbn_cli_fail(dbn_wire_code_name(dbn_wire_error_code(err)),
                        dbn_tr("无法校验 %s 中的日志：%s%s%s", "cannot verify the log in %s: %s%s%s"), dir,
                        dbn_strerror(err), report.problem[0] ? dbn_tr("：", ": ") : "", report.problem);
  bool ok = err == 0;
  if (cli.json) {
    cJSON *json = cJSON_CreateObject();
    if (json) {
      cJSON_AddBoolToObject(json, "ok", ok);
      cJSON_AddNumberToObject(json, "events", (double)report.events);
      cJSON_AddNumberToObject(json, "head_seq", (double)report.head_seq);
      cJSON_AddNumberToObject(json, "first_bad_seq", (double)report.first_bad_seq);
      cJSON_AddStringToObject(json, "problem", report.problem);
      cJSON_AddStringToObject(json, "note", report.note);
      cJSON_AddNumberToObject(json, "log_format", report.header.format_version);
      cJSON_AddStringToObject(json, "clock", report.header.clock);
      cJSON_AddStringToObject(json, "crypto", report.crypto);
    }
    bool witness_ok = !witness_dir || verify_witness(dir, witness_dir, key_path, json, &rc);
    if (dbn_cli_print_json(stdout, json) != 0)
      return DBN_CLI_EXIT_FAIL;
    if (rc != DBN_CLI_EXIT_OK || !witness_ok)
      return DBN_CLI_EXIT_FAIL;
  } else {
    printf(dbn_tr("已检查事件：  %llu\n", "events walked: %llu\n"), (unsigned long long)report.events);
    printf(dbn_tr("最新事件：    %llu\n", "head:          %llu\n"), (unsigned long long)report.head_seq);
    printf(dbn_tr("日志格式：    %u%s%s\n", "log format:    %u%s%s\n"),
           (unsigned)report.header.format_version,
           report.header.clock[0] ? dbn_tr("，时钟 ", ", clock ") : "", report.header.clock);
    printf(dbn_tr("密码配置：    %s\n", "crypto:        %s\n"), report.crypto);
    if (ok && report.note[0])
      printf(dbn_tr("通过：哈希链无误，每个事件均可重放；%s\n",
                    "OK: the chain verifies and every event replays; %s\n"),
             report.note);
    else if (ok)
      printf("%s",
             chain_only
                 ? dbn_tr("通过：哈希链无误（未重建视图）\n", "OK: the chain verifies (views not rebuilt)\n")
                 : dbn_tr("通过：哈希链与全部视图无误\n", "OK: the chain and every view verify\n"));
    else
      printf(dbn_tr("损坏：第 %llu 号事件：%s\n", "CORRUPT at seq %llu: %s\n"),
             (unsigned long long)report.first_bad_seq, report.problem);
    if (witness_dir && !verify_witness(dir, witness_dir, key_path, NULL, &rc))
      ok = false;
    if (rc != DBN_CLI_EXIT_OK)
      return rc;
  }
  if (!ok && report.first_bad_seq)
    fprintf(stderr,
            dbn_tr("duban: data_loss: %s 中的日志在第 %llu 号事件处校验不通过：%s\n",
                   "duban: data_loss: the log in %s does not verify at seq %llu: %s\n"),
            dir, (unsigned long long)report.first_bad_seq, report.problem);
  return ok ? DBN_CLI_EXIT_OK : DBN_CLI_EXIT_FAIL;
}

/* Copy the cosignatures in witness_dir to out beside the checkpoints
 * (store/cosign.h): verify checks them against the log. */
static int
export_cosigns(const char *witness_dir, const char *out, size_t *count_p)
{
  Duban__CheckpointCosignature **list = NULL;
  size_t count = 0, unreadable = 0;
  int err = dbn_cosigns_load(witness_dir, &list, &count, &unreadable);
  for (size_t i = 0; err == 0 && i < count; i++)
    err = dbn_cosign_keep(out, list[i]);
  dbn_cosigns_free(list, count);
  *count_p = count;
  if (unreadable)
    fprintf(stderr, "duban: %zu 个副署文件无法读取，未导出\n", unreadable);
  if (err)
    return dbn_cli_fail(dbn_wire_code_name(dbn_wire_error_code(err)), "无法把副署导出到 %s：%s", out,
                        dbn_strerror(err));
  return DBN_CLI_EXIT_OK;
}

/* `audit checkpoints`: list or export a witness directory. */
static int
cmd_checkpoints(int argc, char **argv)
{
  dbn_cli_t cli;
  dbn_cli_init(&cli, "audit checkpoints", checkpoints_usage);
  enum { OPT_WITNESS = DBN_CLI_OPT_FIRST_FREE, OPT_KEY, OPT_EXPORT };
  static const struct option options[] = {
      {"witness", required_argument, NULL, OPT_WITNESS}, {"key", required_argument, NULL, OPT_KEY},
      {"export", required_argument, NULL, OPT_EXPORT},   {"json", no_argument, NULL, DBN_CLI_OPT_JSON},
      {"help", no_argument, NULL, DBN_CLI_OPT_HELP},     {0},
  };
  const char *witness_dir = NULL, *key_path = NULL, *out = NULL;
  int opt, rc;
  optind = 0;
  while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
    if (opt == OPT_WITNESS)
      witness_dir = optarg;
    else if (opt == OPT_KEY)
      key_path = optarg;
    else if (opt == OPT_EXPORT)
      out = optarg;
    else if ((rc = dbn_cli_common_option(&cli, opt, optarg)) != 0)
      return rc;
  }
  bool done;
  rc = dbn_cli_finish_options(&cli, argc - optind, 0, 0, &done);
  if (done)
    return rc;
  if (!witness_dir || !key_path)
    return dbn_cli_usage_error(&cli, "%s",
                               dbn_tr("必须给出 --witness DIR 和 --key BROKER.SIGN",
                                      "--witness DIR and --key BROKER.SIGN are required"));
  Duban__Checkpoint **list = NULL;
  size_t count = 0, refused = 0;
  if ((rc = load_witness(witness_dir, key_path, &list, &count, &refused)) != DBN_CLI_EXIT_OK)
    return rc;
  dbn_sign_key_t key;
  dbn_sign_key_load_public(&key, key_path);
  cJSON *json = cli.json ? cJSON_CreateArray() : NULL;
  for (size_t i = 0; i < count && rc == DBN_CLI_EXIT_OK; i++) {
    const Duban__Checkpoint *c = list[i];
    char hash[2 * DBN_HASH_BYTES + 1] = "", when[40] = "";
    if (c->head_hash.len == DBN_HASH_BYTES)
      sodium_bin2hex(hash, sizeof hash, c->head_hash.data, c->head_hash.len);
    /* A person reads the plan's zone; a script the UTC instant. */
    if (json)
      dbn_cli_format_time_iso(c->time, when);
    else
      dbn_cli_format_time(c->time, when);
    if (out) {
      int err = dbn_checkpoint_keep(out, c, &key);
      if (err)
        rc = dbn_cli_fail(
            dbn_wire_code_name(dbn_wire_error_code(err)),
            dbn_tr("无法把第 %llu 号检查点写入 %s：%s", "cannot write the checkpoint at seq %llu to %s: %s"),
            (unsigned long long)c->seq, out, dbn_strerror(err));
    }
    if (json) {
      cJSON *item = cJSON_CreateObject();
      if (item) {
        cJSON_AddNumberToObject(item, "seq", (double)c->seq);
        cJSON_AddStringToObject(item, "time", when);
        cJSON_AddStringToObject(item, "head_hash", hash);
        cJSON_AddStringToObject(item, "key_id", c->key_id ? c->key_id : "");
        cJSON_AddItemToArray(json, item);
      }
    } else if (!out) {
      printf("%10llu  %s  %s  %s\n", (unsigned long long)c->seq, when, hash, c->key_id ? c->key_id : "");
    }
  }
  dbn_checkpoints_free(list, count);
  size_t cosigned = 0;
  if (out && rc == DBN_CLI_EXIT_OK)
    rc = export_cosigns(witness_dir, out, &cosigned);
  if (json && dbn_cli_print_json(stdout, json) != 0 && rc == DBN_CLI_EXIT_OK)
    rc = DBN_CLI_EXIT_FAIL;
  if (!json && out && rc == DBN_CLI_EXIT_OK)
    printf(dbn_tr("已把 %zu 个检查点和 %zu 个副署导出到 %s\n",
                  "exported %zu checkpoints and %zu cosignatures to %s\n"),
           count, cosigned, out);
  if (refused)
    fprintf(stderr,
            dbn_tr("duban: %2$s 中有 %1$zu 个检查点的签名不成立，未采用\n",
                   "duban: %zu checkpoints in %s were left out: their signature does not hold\n"),
            refused, witness_dir);
  return rc;
}

/* The replay's state, passed through dbn_store_events_foreach. */
typedef struct {
  uint64_t until; /* stop after this seq; 0 = the end */
  bool json;      /* one JSON object per line */
  uint64_t printed;
  uint64_t bad_seq;           /* an event that did not decode */
  const char *task;           /* --task: only this task's history; NULL for all */
  uint64_t *escalations;      /* --task: the escalations raised on it so far (their ids are seqs) */
  size_t n_escalations;       /* how many */
  size_t escalations_cap;     /* room at escalations */
  dbn_cli_unit_names_t names; /* the plan's units as plan loads go by, for Chinese lines */
} replay_t;

/* Is event part of the history of replay->task? Its own events, and those
 * of the escalations raised on it (remembered as they go by). */
static bool
in_task_history(replay_t *replay, const Duban__Event *event)
{
  const char *task = dbn_event_task(event);
  if (task && strcmp(task, replay->task) == 0) {
    if (event->body_case == DUBAN__EVENT__BODY_ESCALATED && replay->n_escalations < replay->escalations_cap)
      replay->escalations[replay->n_escalations++] = event->seq;
    return true;
  }
  uint64_t escalation = dbn_event_escalation(event);
  for (size_t i = 0; escalation && i < replay->n_escalations; i++)
    if (replay->escalations[i] == escalation)
      return true;
  return false;
}

static int
replay_one(void *arg, uint64_t seq, const uint8_t *bytes, size_t len)
{
  replay_t *replay = arg;
  if (replay->until && seq > replay->until)
    return 1;
  Duban__Event *event = NULL;
  int err = dbn_wire_event_unpack(bytes, len, &event);
  if (err != 0) {
    replay->bad_seq = seq;
    return err;
  }
  /* The key is the truth about position; a body that says otherwise is
   * verify's business, but show what the key says. */
  if (event->seq != seq)
    event->seq = seq;
  dbn_cli_unit_names_follow(&replay->names, event);
  if (replay->task && !in_task_history(replay, event)) {
    dbn_wire_event_free(&event);
    return 0;
  }
  int rc = 0;
  if (replay->json) {
    if (dbn_cli_print_json(stdout, dbn_cli_event_json(event)) != 0)
      rc = DBN_ENOMEM;
  } else {
    dbn_cli_print_event_line_for_person(stdout, event, &replay->names);
  }
  dbn_wire_event_free(&event);
  replay->printed++;
  return rc;
}

/* --task as the log names it (a short id resolved against the loaded
 * plans), and room to remember its escalations. */
static int
replay_resolve_task(dbn_store_txn_t *txn, const char *text, char **task_p, replay_t *replay)
{
  size_t matches;
  int err = dbn_store_task_resolve(txn, text, task_p, &matches);
  if (err)
    return err == DBN_EEXIST ? DBN_EINVAL : err;
  replay->task = *task_p;
  replay->escalations_cap = 4096; /* a task's escalations; more are a log nobody reads by hand */
  replay->escalations = calloc(replay->escalations_cap, sizeof *replay->escalations);
  return replay->escalations ? 0 : DBN_ENOMEM;
}

static int
cmd_replay(int argc, char **argv)
{
  dbn_cli_t cli;
  dbn_cli_init(&cli, "audit replay", replay_usage);
  const char *dir = NULL;
  uint64_t range[2] = {0, 0};
  own_option_t own[] = {{"--task", true, false, NULL}};
  bool done;
  int rc = parse_audit_own(&cli, argc, argv, own, 1, &dir, range, &done);
  if (done)
    return rc;
  if (range[1] && range[1] <= range[0])
    return dbn_cli_usage_error(&cli, "%s",
                               dbn_tr("--until 必须大于 --after", "--until must be greater than --after"));

  dbn_store_t *store = NULL;
  if ((rc = open_log(dir, &store)) != DBN_CLI_EXIT_OK)
    return rc;
  dbn_store_txn_t *txn = NULL;
  int err = dbn_store_read_begin(store, &txn);
  replay_t replay = {.until = range[1], .json = cli.json};
  char *task = NULL;
  /* The units' names from the log's views, so that a replay starting
   * after the plan load (--after) still names them. */
  Duban__Unit **units = NULL;
  size_t n_units = 0;
  if (err == 0 && dbn_store_units_list(txn, &units, &n_units) == 0) {
    (void)dbn_cli_unit_names_set(&replay.names, units, n_units);
    dbn_store_units_free(units, n_units);
  }
  if (err == 0 && own[0].given)
    err = replay_resolve_task(txn, own[0].value, &task, &replay);
  if (err == 0)
    err = dbn_store_events_foreach(txn, range[0], 0, replay_one, &replay);
  dbn_store_abort(&txn);
  dbn_store_destroy(&store);
  free(task);
  free(replay.escalations);
  dbn_cli_unit_names_free(&replay.names);
  fflush(stdout);
  if (own[0].given && !replay.task && (err == DBN_ENOTFOUND || err == DBN_EINVAL))
    return dbn_cli_fail(err == DBN_EINVAL ? "invalid_argument" : "not_found",
                        err == DBN_EINVAL
                            ? dbn_tr("任务 '%s' 在不止一个计划中；请写 计划:%s",
                                     "task '%s' is in more than one plan; give PLAN:%s")
                            : dbn_tr("日志中没有任务 '%s'（%s）", "no task '%s' in the log in %s"),
                        own[0].value, err == DBN_EINVAL ? own[0].value : dir);
  if (err != 0) {
    if (replay.bad_seq)
      return dbn_cli_fail("data_loss",
                          dbn_tr("%2$s 中第 %1$llu 号事件无法解码：%3$s（请运行 'duban audit verify'）",
                                 "event %llu in %s does not decode: %s (run 'duban audit verify')"),
                          (unsigned long long)replay.bad_seq, dir, dbn_strerror(err));
    return dbn_cli_fail(dbn_wire_code_name(dbn_wire_error_code(err)),
                        dbn_tr("无法读取 %s 中的日志：%s", "cannot read the log in %s: %s"), dir,
                        dbn_strerror(err));
  }
  return DBN_CLI_EXIT_OK;
}

/* ---- report and export ---- */

/* The options of report and export beyond parse_audit's. */
enum { OWN_AT, OWN_XLSX, OWN_VERIFY, OWN_COUNT };

/* argv without every option of own, for parse_audit. */
static int
parse_report(dbn_cli_t *cli, int argc, char **argv, own_option_t own[OWN_COUNT], const char **dir_p,
             uint64_t range[2], bool *done_p)
{
  return parse_audit_own(cli, argc, argv, own, OWN_COUNT, dir_p, range, done_p);
}

/* The ranking in the terminal: report.h's columns but the sheet-only ones. */
enum { RANK_COLUMNS = 20 };

/* The count columns the terminal shows, as indexes into dbn_report_rank_columns. */
static size_t
terminal_rank_counts(size_t shown[DBN_REPORT_RANK_COUNTS])
{
  size_t n = 0;
  for (size_t k = 0; k < DBN_REPORT_RANK_COUNTS; k++)
    if (!dbn_report_rank_columns[k].sheet_only)
      shown[n++] = k;
  return n;
}

static void
add_rank_row(dbn_cli_table_t *table, const dbn_report_unit_t *unit)
{
  const dbn_score_t *s = &unit->score;
  long long counts[DBN_REPORT_RANK_COUNTS];
  dbn_report_rank_counts(unit, counts);
  size_t shown[DBN_REPORT_RANK_COUNTS];
  size_t n_shown = terminal_rank_counts(shown);
  char rank[32], total[32], cells[DBN_REPORT_RANK_COUNTS][32];
  snprintf(rank, sizeof rank, "%d", s->rank);
  snprintf(total, sizeof total, "%d", s->total);
  const char *row[RANK_COLUMNS] = {rank, unit->name, unit->code, total, dbn_colour_name_zh(s->colour)};
  for (size_t k = 0; k < n_shown; k++) {
    snprintf(cells[k], sizeof cells[k], "%lld", counts[shown[k]]);
    row[DBN_REPORT_RANK_LEADING + k] = cells[k];
  }
  dbn_cli_table_add_row(table, row);
}

static int
print_ranking(const dbn_report_t *report)
{
  const char *headers[RANK_COLUMNS];
  memcpy(headers, dbn_report_rank_leading, sizeof dbn_report_rank_leading);
  size_t shown[DBN_REPORT_RANK_COUNTS];
  size_t n_shown = terminal_rank_counts(shown);
  assert(DBN_REPORT_RANK_LEADING + n_shown == RANK_COLUMNS);
  for (size_t k = 0; k < n_shown; k++)
    headers[DBN_REPORT_RANK_LEADING + k] = dbn_report_rank_columns[shown[k]].terminal_header;
  dbn_cli_table_t *table;
  if (dbn_cli_table_new(&table, RANK_COLUMNS, headers) != 0)
    return DBN_CLI_EXIT_FAIL;
  for (size_t c = 0; c < RANK_COLUMNS; c++)
    if (c != 1 && c != 2 && c != 4)
      dbn_cli_table_align_right(table, c);
  for (size_t u = 0; u < report->n_units; u++)
    add_rank_row(table, &report->units[u]);
  dbn_cli_table_print(table, stdout, 0);
  dbn_cli_table_destroy(&table);
  return DBN_CLI_EXIT_OK;
}

static int
print_overdue(const dbn_report_t *report)
{
  printf("\n逾期清单（%zu 项）\n", report->n_overdue);
  if (report->n_overdue == 0)
    return DBN_CLI_EXIT_OK;
  static const char *const headers[] = {"任务", "责任单位", "截止日", "逾期天数", "任务内容"};
  dbn_cli_table_t *table;
  if (dbn_cli_table_new(&table, 5, headers) != 0)
    return DBN_CLI_EXIT_FAIL;
  dbn_cli_table_align_right(table, 3);
  for (size_t i = 0; i < report->n_overdue; i++) {
    const dbn_report_overdue_t *line = &report->overdue[i];
    const Duban__Task *task = report->tasks[line->task].task;
    char due[16], days[16];
    dbn_report_due_date(line->due_end, due);
    snprintf(days, sizeof days, "%d", line->days_late);
    const char *row[] = {task->id, report->units[line->unit].name, due, days, task->text};
    dbn_cli_table_add_row(table, row);
  }
  dbn_cli_table_print(table, stdout, dbn_cli_terminal_width());
  dbn_cli_table_destroy(&table);
  return DBN_CLI_EXIT_OK;
}

/* The months shown in the text report (the JSON has every one). */
enum { TEXT_MONTHS = 12 };

static int
print_months(const dbn_report_t *report)
{
  size_t first = report->n_months > TEXT_MONTHS ? report->n_months - TEXT_MONTHS : 0;
  size_t shown = report->n_months - first;
  if (shown == 0)
    return DBN_CLI_EXIT_OK;
  printf("\n月度颜色（各月末）\n");
  char names[TEXT_MONTHS][16];
  const char *headers[TEXT_MONTHS + 1] = {"单位"};
  for (size_t m = 0; m < shown; m++) {
    snprintf(names[m], sizeof names[m], "%04d-%02d", report->months[first + m].year,
             report->months[first + m].month % 100);
    headers[m + 1] = names[m];
  }
  dbn_cli_table_t *table;
  if (dbn_cli_table_new(&table, shown + 1, headers) != 0)
    return DBN_CLI_EXIT_FAIL;
  for (size_t u = 0; u < report->n_units; u++) {
    const char *row[TEXT_MONTHS + 1] = {report->units[u].name};
    for (size_t m = 0; m < shown; m++)
      row[m + 1] = dbn_colour_name_zh(report->months[first + m].colours[u]);
    dbn_cli_table_add_row(table, row);
  }
  dbn_cli_table_print(table, stdout, 0);
  dbn_cli_table_destroy(&table);
  return DBN_CLI_EXIT_OK;
}

static void
print_heading(const dbn_report_t *report)
{
  char day[16], effective[16];
  dbn_report_local_date(report->at, day);
  dbn_report_local_date(report->rules.effective, effective);
  printf("考核报告  截至 %s（北京时间）\n", day);
  printf("日志头：   #%llu %s\n", (unsigned long long)report->head_seq,
         report->head_hash[0] ? report->head_hash : "-");
  if (report->rules_loaded)
    printf("考核细则： %s（%s 起施行）\n", report->rules.version, effective);
  else
    printf("考核细则： %s（日志中尚无考核细则，按默认细则计分）\n", report->rules.version);
  if (report->verified)
    printf("日志校验： %s\n", report->verify_ok ? "通过" : report->verify.problem);
  printf("督办：     主动求助 %u 件，自动督办 %u 件\n\n", report->own_escalations,
         report->automatic_escalations);
}

static int
print_report(const dbn_report_t *report)
{
  print_heading(report);
  int rc = print_ranking(report);
  if (rc == DBN_CLI_EXIT_OK)
    rc = print_overdue(report);
  if (rc == DBN_CLI_EXIT_OK)
    rc = print_months(report);
  return rc;
}

static int
cmd_report(int argc, char **argv, bool export)
{
  dbn_cli_t cli;
  dbn_cli_init(&cli, export ? "audit export" : "audit report", report_usage);
  const char *dir = NULL;
  own_option_t own[OWN_COUNT] = {
      {"--at", true, false, NULL}, {"--xlsx", true, false, NULL}, {"--verify", false, false, NULL}};
  uint64_t range[2] = {0, 0};
  bool done;
  int rc = parse_report(&cli, argc, argv, own, &dir, range, &done);
  if (done)
    return rc;
  dbn_report_options_t options = {.store_dir = dir, .until_seq = range[1], .verify = own[OWN_VERIFY].given};
  const char *at = own[OWN_AT].value, *xlsx = own[OWN_XLSX].value;
  if (at && range[1])
    return dbn_cli_usage_error(
        &cli, "%s", dbn_tr("--until SEQ 和 --at DATE 只能给一个", "say --until SEQ or --at DATE, not both"));
  if (at && dbn_report_parse_at(at, &options.at) != 0)
    return dbn_cli_usage_error(
        &cli, dbn_tr("--at 要一个日期 YYYY-MM-DD，而不是 '%s'", "--at wants a date YYYY-MM-DD, not '%s'"),
        at);
  if (export && !xlsx)
    return dbn_cli_usage_error(&cli, "%s", dbn_tr("export 需要 --xlsx FILE", "export needs --xlsx FILE"));
  if (!export && xlsx)
    return dbn_cli_usage_error(
        &cli, "%s", dbn_tr("--xlsx 只用于 duban audit export", "--xlsx is for duban audit export"));

  dbn_report_t *report = NULL;
  char why[512];
  int err = dbn_report_build(&options, &report, why, sizeof why);
  if (err)
    return dbn_cli_fail(dbn_wire_code_name(dbn_wire_error_code(err)), "%s", why);
  if (export) {
    err = dbn_report_write_xlsx(report, xlsx);
    if (err == 0)
      printf("已导出 %s（截至日志头 #%llu %s）\n", xlsx, (unsigned long long)report->head_seq,
             report->head_hash);
    else
      rc = dbn_cli_fail("io", dbn_tr("无法写入工作簿 %s：%s", "cannot write the workbook %s: %s"), xlsx,
                        dbn_strerror(err));
  } else if (cli.json) {
    rc = dbn_cli_print_json(stdout, dbn_report_json(report));
  } else {
    rc = print_report(report);
  }
  dbn_report_free(&report);
  return rc;
}

/* `audit report` and `audit export` share one command: the export is the
 * report written as a workbook. */
static int
cmd_report_table(int argc, char **argv)
{
  return cmd_report(argc, argv, false);
}

static int
cmd_export(int argc, char **argv)
{
  return cmd_report(argc, argv, true);
}

int
dbn_cmd_audit(int argc, char **argv)
{
  static const dbn_cli_word_t words[] = {
      {"verify", cmd_verify}, {"replay", cmd_replay},           {"report", cmd_report_table},
      {"export", cmd_export}, {"checkpoints", cmd_checkpoints},
  };
  return dbn_cli_run_word("audit", audit_usage, words, sizeof words / sizeof words[0], argc, argv);
}
