/* cmd_evidence.c: `duban evidence list|get` and the --evidence option of
 * the reports (cli_evidence.h).
 *
 * A report's files (佐证材料) are kept by the broker under their hash; the
 * event holds the hash, so the chain covers the file. `list` shows what the
 * reports of one task carried; `get` fetches one file by its hash. A
 * department sees only its own tasks' files; coordinators and auditors any. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_evidence.h"

/* ---- --evidence FILE ---- */

int
dbn_cli_evidence_option(dbn_cli_t *cli, dbn_cli_evidence_t *ev, const char *path)
{
  if (ev->n == DBN_CLI_EVIDENCE_MAX_OPTIONS)
    return dbn_cli_usage_error(cli, "一次报送最多附 %d 个佐证材料 (at most %d files)", DBN_EVIDENCE_MAX_FILES,
                               DBN_EVIDENCE_MAX_FILES);
  ev->paths[ev->n++] = path;
  return DBN_CLI_EXIT_OK;
}

static const char *
base_name(const char *path)
{
  const char *slash = strrchr(path, '/');
  return slash ? slash + 1 : path;
}

/* One file into ev->refs[i]. Reads up to the message limit, so that a file
 * over the per-file limit is refused with the domain's message. */
static int
load_one(dbn_cli_t *cli, dbn_cli_evidence_t *ev, size_t i)
{
  const char *path = ev->paths[i], *name = base_name(path);
  char *content;
  size_t len;
  int rc = dbn_cli_read_file(path, DBN_MAX_MESSAGE, &content, &len);
  if (rc == DBN_ETOOBIG)
    return dbn_cli_fail("resource_exhausted", "佐证材料 %s 超过每个文件 %zu 字节（1 MiB）的上限", name,
                        DBN_EVIDENCE_MAX_FILE_BYTES);
  if (rc)
    return dbn_cli_usage_error(cli, dbn_tr("无法读取 --evidence %s：%s", "cannot read --evidence %s: %s"),
                               path, dbn_strerror(rc));
  const char *media_type = dbn_evidence_media_type_of(name);
  Duban__EvidenceRef *ref = &ev->refs[i];
  duban__evidence_ref__init(ref);
  ref->name = (char *)name;
  ref->media_type = (char *)(media_type ? media_type : "application/octet-stream");
  ref->content.data = (uint8_t *)content;
  ref->content.len = len;
  ref->size = len;
  dbn_evidence_hash(ref->content.data, len, ev->hashes[i]);
  ref->hash.data = ev->hashes[i];
  ref->hash.len = DBN_EVIDENCE_HASH_BYTES;
  ev->ptrs[i] = ref;
  return DBN_CLI_EXIT_OK;
}

int
dbn_cli_evidence_load(dbn_cli_t *cli, dbn_cli_evidence_t *ev)
{
  size_t loaded = 0;
  int rc = DBN_CLI_EXIT_OK;
  for (; loaded < ev->n && rc == DBN_CLI_EXIT_OK; loaded++)
    rc = load_one(cli, ev, loaded);
  if (rc != DBN_CLI_EXIT_OK) {
    ev->n = loaded - 1; /* the failed one holds nothing */
    return rc;
  }
  char why[400];
  int check = dbn_evidence_check(ev->n, ev->ptrs, why, sizeof why);
  if (check)
    return dbn_cli_fail(dbn_wire_code_name(dbn_wire_error_code(check)), "%s", why);
  return DBN_CLI_EXIT_OK;
}

void
dbn_cli_evidence_clear(dbn_cli_evidence_t *ev)
{
  for (size_t i = 0; i < ev->n; i++)
    if (ev->ptrs[i])
      free(ev->refs[i].content.data);
  ev->n = 0;
}

/* ---- duban evidence list|get ---- */

static const char evidence_usage[] =
    "usage: duban evidence list TASK [--json]\n"
    "       duban evidence get HASH [-o|--output FILE]\n"
    "\n"
    "The files (佐证材料) attached to a task's progress, milestone and submission\n"
    "reports, with `duban progress|submit|milestone met ... --evidence FILE`.\n"
    "`list` shows each with the event that attached it and its hash; `get`\n"
    "fetches one by its hash (64 hex digits) into FILE (default: its own name in\n"
    "the current directory; '-' for stdout). A department sees its own tasks'\n"
    "files only; coordinators and auditors see every task's.\n"
    "\n" DBN_CLI_CONNECTION_HELP;

static void
human_size(uint64_t size, char out[32])
{
  if (size >= 1024 * 1024)
    snprintf(out, 32, "%.1f MiB", (double)size / (1024.0 * 1024.0));
  else if (size >= 1024)
    snprintf(out, 32, "%.1f KiB", (double)size / 1024.0);
  else
    snprintf(out, 32, "%llu B", (unsigned long long)size);
}

static int
list_json(const Duban__Reply *reply)
{
  cJSON *json = cJSON_CreateObject();
  cJSON *array = json ? cJSON_AddArrayToObject(json, "evidence") : NULL;
  for (size_t i = 0; array && i < reply->n_evidence; i++) {
    const Duban__EvidenceRef *ref = reply->evidence[i];
    cJSON *item = cJSON_CreateObject();
    char hex[65] = "";
    if (ref->hash.len == DBN_EVIDENCE_HASH_BYTES)
      dbn_evidence_hash_hex(ref->hash.data, hex);
    if (!item)
      break;
    char when[32];
    dbn_cli_format_time_iso(ref->time, when);
    cJSON_AddNumberToObject(item, "seq", (double)ref->seq);
    cJSON_AddStringToObject(item, "time", when);
    cJSON_AddStringToObject(item, "task", ref->task);
    cJSON_AddStringToObject(item, "kind", ref->kind);
    cJSON_AddStringToObject(item, "name", ref->name);
    cJSON_AddStringToObject(item, "media_type", ref->media_type);
    cJSON_AddNumberToObject(item, "size", (double)ref->size);
    cJSON_AddStringToObject(item, "hash", hex);
    cJSON_AddItemToArray(array, item);
  }
  if (json)
    cJSON_AddNumberToObject(json, "head_seq", (double)reply->head_seq);
  return dbn_cli_print_json(stdout, json);
}

static int
show_list(dbn_cli_t *cli, const Duban__Reply *reply, void *ctx)
{
  (void)ctx;
  if (cli->json)
    return list_json(reply);
  if (reply->n_evidence == 0) {
    printf("该任务没有佐证材料 (no evidence)\n");
    return DBN_CLI_EXIT_OK;
  }
  static const char *const headers[] = {"事件 SEQ",  "时间 TIME", "报送 KIND", "文件 NAME",
                                        "大小 SIZE", "类型 TYPE", "哈希 HASH"};
  dbn_cli_table_t *table;
  if (dbn_cli_table_new(&table, 7, headers) != 0)
    return dbn_cli_fail("resource_exhausted", "out of memory");
  dbn_cli_table_align_right(table, 0);
  for (size_t i = 0; i < reply->n_evidence; i++) {
    const Duban__EvidenceRef *ref = reply->evidence[i];
    char seq[24], when[32], size[32], hex[65] = "";
    snprintf(seq, sizeof seq, "%llu", (unsigned long long)ref->seq);
    dbn_cli_format_time(ref->time, when);
    human_size(ref->size, size);
    if (ref->hash.len == DBN_EVIDENCE_HASH_BYTES)
      dbn_evidence_hash_hex(ref->hash.data, hex);
    const char *cells[] = {seq, when, ref->kind, ref->name, size, ref->media_type, hex};
    if (dbn_cli_table_add_row(table, cells) != 0)
      break;
  }
  return dbn_cli_table_finish(&table, stdout);
}

static int
cmd_list(int argc, char **argv)
{
  dbn_cli_t cli;
  dbn_cli_init(&cli, "evidence list", evidence_usage);
  bool done;
  int rc = dbn_cli_parse_common(&cli, argc, argv, 1, 1, &done);
  if (done)
    return rc;
  const char *task = argv[optind];
  if ((rc = dbn_cli_check_text(&cli, "TASK", task, DBN_MAX_ID, false)) != DBN_CLI_EXIT_OK)
    return rc;
  Duban__EvidenceList list = DUBAN__EVIDENCE_LIST__INIT;
  list.task = (char *)task;
  Duban__Request req = DUBAN__REQUEST__INIT;
  req.body_case = DUBAN__REQUEST__BODY_LIST_EVIDENCE;
  req.list_evidence = &list;
  return dbn_cli_show_reply(&cli, &req, show_list, NULL);
}

/* Write the file where -o says: its own name by default, stdout for "-". */
static int
save_file(const Duban__EvidenceRef *file, const char *out_path)
{
  const char *path = out_path ? out_path : file->name;
  bool to_stdout = strcmp(path, "-") == 0;
  FILE *out = to_stdout ? stdout : fopen(path, "wbx");
  if (!out)
    return dbn_cli_fail("failed_precondition", dbn_tr("无法写入 %s：%s%s", "cannot write %s: %s%s"), path,
                        strerror(errno),
                        errno != EEXIST ? ""
                                        : dbn_tr("（文件已存在；请用 -o FILE 另取一个名字）",
                                                 " (it exists; name another with -o FILE)"));
  bool ok = fwrite(file->content.data, 1, file->content.len, out) == file->content.len;
  if (!to_stdout)
    ok = fclose(out) == 0 && ok;
  if (!ok)
    return dbn_cli_fail("internal", dbn_tr("无法写入 %s：%s", "cannot write %s: %s"), path, strerror(errno));
  if (!to_stdout)
    fprintf(stderr, "已保存 %s（%zu 字节，%s，事件 %llu 所附）\n", path, file->content.len, file->media_type,
            (unsigned long long)file->seq);
  return DBN_CLI_EXIT_OK;
}

static int
show_file(dbn_cli_t *cli, const Duban__Reply *reply, void *ctx)
{
  (void)cli;
  const Duban__EvidenceRef *file = reply->evidence_file;
  if (!file || file->hash.len != DBN_EVIDENCE_HASH_BYTES)
    return dbn_cli_fail("internal", "%s", dbn_tr("回答中没有文件", "the answer holds no file"));
  /* The file is checked here too: what is saved is what the chain covers. */
  uint8_t hash[DBN_EVIDENCE_HASH_BYTES];
  dbn_evidence_hash(file->content.data, file->content.len, hash);
  if (memcmp(hash, file->hash.data, sizeof hash) != 0)
    return dbn_cli_fail("data_loss", "收到的佐证材料 %s 与其哈希值不符，未保存", file->name);
  return save_file(file, ctx);
}

enum { OPT_OUTPUT = DBN_CLI_OPT_FIRST_FREE };

static int
output_option(dbn_cli_t *cli, int opt, const char *arg, void *ctx)
{
  (void)cli;
  if (opt == OPT_OUTPUT)
    *(const char **)ctx = arg;
  return DBN_CLI_EXIT_OK;
}

static int
cmd_get(int argc, char **argv)
{
  static const struct option options[] = {
      {"output", required_argument, NULL, OPT_OUTPUT},
      DBN_CLI_COMMON_OPTIONS,
      {0},
  };
  dbn_cli_t cli;
  dbn_cli_init(&cli, "evidence get", evidence_usage);
  /* The shared parser takes long options only; -o is what people type. */
  for (int i = 1; i < argc; i++)
    if (strcmp(argv[i], "-o") == 0)
      argv[i] = (char *)"--output";
  const char *out_path = NULL;
  bool done;
  int rc = dbn_cli_parse_options(&cli, argc, argv, options, output_option, &out_path, 1, 1, &done);
  if (done)
    return rc;
  uint8_t hash[DBN_EVIDENCE_HASH_BYTES];
  if (dbn_evidence_hash_parse(argv[optind], hash) != 0)
    return dbn_cli_usage_error(&cli, "%s",
                               dbn_tr("HASH 应为 64 位十六进制数字，即 `duban evidence list TASK` 所列",
                                      "HASH is 64 hex digits, as `duban evidence list TASK` shows it"));
  Duban__EvidenceGet get = DUBAN__EVIDENCE_GET__INIT;
  get.hash.data = hash;
  get.hash.len = sizeof hash;
  Duban__Request req = DUBAN__REQUEST__INIT;
  req.body_case = DUBAN__REQUEST__BODY_GET_EVIDENCE;
  req.get_evidence = &get;
  return dbn_cli_show_reply(&cli, &req, show_file, (void *)out_path);
}

int
dbn_cmd_evidence(int argc, char **argv)
{
  static const dbn_cli_word_t words[] = {{"list", cmd_list}, {"get", cmd_get}};
  return dbn_cli_run_word("evidence", evidence_usage, words, sizeof words / sizeof words[0], argc, argv);
}
