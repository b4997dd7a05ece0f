/* cmd_outbox.c: `duban outbox`, what became of the commands the
 * department's agent queued while the broker was away.
 *
 * The agent keeps every command it could not deliver at once in its
 * outbox (agents/outbox.h) and, when the broker later refuses one, keeps
 * the refusal too, with the broker's code and reason, in the same LMDB
 * file: the clerk who typed the command has long gone when the answer
 * comes. Listing shows the pending commands, then the refusals, and marks
 * the refusals seen, which ends the notice ("N 条排队的命令被拒绝") the
 * CLI prints on every call through the agent until then. Through an agent
 * only: the broker keeps no outbox. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "refusal.h"
#include "date.h"
#include "lang.h"

static const char outbox_usage[] =
    "usage: duban outbox [--keep-unseen] [--json]\n"
    "\n"
    "The commands your department's agent has queued: those still waiting to be\n"
    "delivered (待发送), and those the broker refused after they were queued (被拒绝),\n"
    "with the broker's reason. Listing marks the refusals seen, which ends the\n"
    "notice other commands print, unless --keep-unseen. Through the department's\n"
    "agent only (--agent or DUBAN_AGENT).\n"
    "--json prints {\"outbox\": [{request_id, kind, task, refused, code, reason, answered_at, seen}]}.\n"
    "\n" DBN_CLI_CONNECTION_HELP;

/* The words a clerk reads for a request's kind: the pages' vocabulary. */
static const char *
kind_label(const char *kind)
{
  const char *zh = dbn_web_word_zh(kind);
  return zh ? zh : kind;
}

/* The broker's code, in words. */
static const char *
code_label(Duban__Code code)
{
  switch (code) {
  case DUBAN__CODE__CODE_PERMISSION_DENIED: return "无权操作";
  case DUBAN__CODE__CODE_NOT_FOUND: return "不存在";
  case DUBAN__CODE__CODE_FAILED_PRECONDITION: return "状态不允许";
  case DUBAN__CODE__CODE_INVALID_ARGUMENT: return "内容有误";
  case DUBAN__CODE__CODE_ALREADY_EXISTS: return "已存在";
  case DUBAN__CODE__CODE_OUT_OF_RANGE: return "超出范围";
  default: return dbn_wire_code_name(code);
  }
}

static int
print_outbox(FILE *out, Duban__OutboxItem *const *items, size_t count)
{
  if (count == 0) {
    fputs(dbn_tr("发件箱是空的：没有待发送或被拒绝的命令\n", "the outbox is empty\n"), out);
    return DBN_CLI_EXIT_OK;
  }
  static const char *const headers[] = {
      "状态 STATE", "", "命令 COMMAND", "任务 TASK", "时间 TIME", "原因 REASON", "请求 REQUEST"};
  dbn_cli_table_t *table;
  if (dbn_cli_table_new(&table, 7, headers) != 0)
    return dbn_cli_fail("resource_exhausted", "%s", dbn_tr("内存不足", "out of memory"));
  for (size_t i = 0; i < count; i++) {
    const Duban__OutboxItem *item = items[i];
    char when[32] = "", reason[1200] = "";
    if (item->refused) {
      dbn_time_format_minute(item->answered_at, when);
      snprintf(reason, sizeof reason, "%s：%s", code_label(item->code), item->reason ? item->reason : "");
    }
    const char *cells[] = {item->refused ? "被拒绝" : "待发送",
                           item->refused && !item->seen ? "新" : "",
                           kind_label(item->kind ? item->kind : ""),
                           item->task ? item->task : "",
                           when,
                           reason,
                           item->request_id ? item->request_id : ""};
    if (dbn_cli_table_add_row(table, cells) != 0)
      break;
  }
  return dbn_cli_table_finish(&table, out);
}

static int
show(dbn_cli_t *cli, const Duban__Reply *reply, void *ctx)
{
  (void)ctx;
  if (!cli->json)
    return print_outbox(stdout, reply->outbox, reply->n_outbox);
  cJSON *json = dbn_cli_list_json("outbox", (void *const *)reply->outbox, reply->n_outbox, reply->head_seq);
  return dbn_cli_print_json(stdout, json);
}

enum { OPT_KEEP_UNSEEN = DBN_CLI_OPT_FIRST_FREE };

static int
outbox_option(dbn_cli_t *cli, int opt, const char *arg, void *ctx)
{
  (void)cli, (void)arg;
  Duban__ListOutbox *list = ctx;
  if (opt == OPT_KEEP_UNSEEN)
    list->mark_seen = 0;
  return DBN_CLI_EXIT_OK;
}

int
dbn_cmd_outbox(int argc, char **argv)
{
  static const struct option options[] = {
      {"keep-unseen", no_argument, NULL, OPT_KEEP_UNSEEN},
      DBN_CLI_COMMON_OPTIONS,
      {0},
  };
  dbn_cli_t cli;
  dbn_cli_init(&cli, "outbox", outbox_usage);
  Duban__ListOutbox list = DUBAN__LIST_OUTBOX__INIT;
  list.mark_seen = 1;
  bool done;
  int rc = dbn_cli_parse_options(&cli, argc, argv, options, outbox_option, &list, 0, 0, &done);
  if (done)
    return rc;
  rc = dbn_cli_connect(&cli);
  if (rc == DBN_CLI_EXIT_OK && !cli.via_agent)
    rc = dbn_cli_usage_error(
        &cli, "%s",
        dbn_tr("只有部门的代理保存发件箱：请用 --agent ipc:///PATH（或设置 DUBAN_AGENT）",
               "the outbox is the agent's, the broker keeps none: use --agent ipc:///PATH "
               "(or set DUBAN_AGENT)"));
  if (rc != DBN_CLI_EXIT_OK) {
    dbn_cli_fini(&cli);
    return rc;
  }
  Duban__Request req = DUBAN__REQUEST__INIT;
  req.body_case = DUBAN__REQUEST__BODY_LIST_OUTBOX;
  req.list_outbox = &list;
  return dbn_cli_show_reply(&cli, &req, show, NULL);
}
