/* cmd_inbox.c: `duban inbox`, the department's side of the loop.
 *
 * What coordinators and the deadline monitor told the department (a
 * reminder's text, a rejection's reason, an acceptance, a reassignment, an
 * escalation's acknowledgement or resolution, a deadline warning, a level of
 * the 督办 ladder; domain/inbox.h decides which) is kept per unit by the
 * broker. Listing shows the unread items first, newest first, then marks
 * what was shown as read, which is a write of its own (so through the agent
 * it is queued like any other command while the broker is away). */
#include <string.h>

#include "cli.h"
#include "inbox.h"
#include "lang.h"

static const char inbox_usage[] =
    "usage: duban inbox [--all] [--keep-unread] [--json]\n"
    "\n"
    "What your department was told: reminders (催办) with their text, rejections\n"
    "(退回) with their reason, acceptances, reassignments, the coordinators' notes\n"
    "on your escalations, deadline warnings and levels of the 督办 ladder. Unread\n"
    "items first, newest first; --all lists read ones too. What is listed is then\n"
    "marked read, unless --keep-unread. For departments (a unit's key or agent).\n"
    "--json prints {\"inbox\": [...], \"head_seq\": N, \"marked_read_up_to\": SEQ}.\n"
    "\n" DBN_CLI_CONNECTION_HELP;

static int
print_inbox(FILE *out, Duban__InboxItem *const *items, size_t count)
{
  if (count == 0) {
    fprintf(out, "%s\n", dbn_tr("收件箱没有新消息", "no unread items"));
    return DBN_CLI_EXIT_OK;
  }
  static const char *const headers[] = {"事件 SEQ",  "",          "时间 TIME", "类型 KIND",
                                        "任务 TASK", "来自 FROM", "内容 TEXT"};
  dbn_cli_table_t *table;
  if (dbn_cli_table_new(&table, 7, headers) != 0)
    return dbn_cli_fail("resource_exhausted", "%s", dbn_tr("内存不足", "out of memory"));
  dbn_cli_table_align_right(table, 0);
  /* Unread first: two passes over the newest-first list. */
  for (int pass = 0; pass < 2; pass++)
    for (size_t i = 0; i < count; i++) {
      const Duban__InboxItem *item = items[i];
      if (item->read != (pass == 1))
        continue;
      char seq[24], when[32];
      snprintf(seq, sizeof seq, "%llu", (unsigned long long)item->seq);
      dbn_cli_format_time(item->time, when);
      const char *cells[] = {
          seq,       item->read ? "" : "新", when, dbn_inbox_kind_zh(item->kind), item->task, item->from,
          item->text};
      if (dbn_cli_table_add_row(table, cells) != 0)
        return dbn_cli_table_finish(&table, out);
    }
  return dbn_cli_table_finish(&table, out);
}

/* Mark every item up to seq read (a write: queued by an agent while the
 * broker is away). Prints nothing on success. */
static int
mark_read(dbn_cli_t *cli, uint64_t seq)
{
  Duban__MarkInboxRead mark = DUBAN__MARK_INBOX_READ__INIT;
  mark.up_to_seq = seq;
  Duban__Request req = DUBAN__REQUEST__INIT;
  req.body_case = DUBAN__REQUEST__BODY_MARK_INBOX_READ;
  req.mark_inbox_read = &mark;
  Duban__Reply *reply;
  int rc = dbn_cli_request(cli, &req, &reply);
  if (rc == DBN_CLI_EXIT_OK)
    dbn_wire_reply_free(&reply);
  return rc;
}

static uint64_t
newest_unread(Duban__InboxItem *const *items, size_t count)
{
  uint64_t newest = 0;
  for (size_t i = 0; i < count; i++)
    if (!items[i]->read && items[i]->seq > newest)
      newest = items[i]->seq;
  return newest;
}

/* What the options asked for. */
typedef struct {
  Duban__ListInbox list; /* the request */
  bool keep_unread;      /* --keep-unread */
} inbox_query_t;

/* Mark what is listed read (unless --keep-unread), then print it. */
static int
show(dbn_cli_t *cli, const Duban__Reply *reply, void *ctx)
{
  const inbox_query_t *query = ctx;
  uint64_t marked = query->keep_unread ? 0 : newest_unread(reply->inbox, reply->n_inbox);
  int rc = marked ? mark_read(cli, marked) : DBN_CLI_EXIT_OK;
  if (rc != DBN_CLI_EXIT_OK)
    return rc;
  if (!cli->json)
    return print_inbox(stdout, reply->inbox, reply->n_inbox);
  cJSON *json = dbn_cli_list_json("inbox", (void *const *)reply->inbox, reply->n_inbox, reply->head_seq);
  if (json)
    cJSON_AddNumberToObject(json, "marked_read_up_to", (double)marked);
  return dbn_cli_print_json(stdout, json);
}

enum { OPT_ALL = DBN_CLI_OPT_FIRST_FREE, OPT_KEEP_UNREAD };

static int
inbox_option(dbn_cli_t *cli, int opt, const char *arg, void *ctx)
{
  (void)cli, (void)arg;
  inbox_query_t *query = ctx;
  if (opt == OPT_ALL)
    query->list.unread_only = 0;
  else if (opt == OPT_KEEP_UNREAD)
    query->keep_unread = true;
  return DBN_CLI_EXIT_OK;
}

int
dbn_cmd_inbox(int argc, char **argv)
{
  static const struct option options[] = {
      {"all", no_argument, NULL, OPT_ALL},
      {"keep-unread", no_argument, NULL, OPT_KEEP_UNREAD},
      DBN_CLI_COMMON_OPTIONS,
      {0},
  };
  dbn_cli_t cli;
  dbn_cli_init(&cli, "inbox", inbox_usage);
  inbox_query_t query = {.list = DUBAN__LIST_INBOX__INIT, .keep_unread = false};
  query.list.unread_only = 1;
  bool done;
  int rc = dbn_cli_parse_options(&cli, argc, argv, options, inbox_option, &query, 0, 0, &done);
  if (done)
    return rc;
  Duban__Request req = DUBAN__REQUEST__INIT;
  req.body_case = DUBAN__REQUEST__BODY_LIST_INBOX;
  req.list_inbox = &query.list;
  return dbn_cli_show_reply(&cli, &req, show, &query);
}
