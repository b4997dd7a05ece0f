/* console_api.c: the board's JSON API, read from the mirror and written
 * through the broker.
 *
 *   GET  /api/board           tasks with colour (domain/pace.h, the one
 *                             home of colours), units, escalations, head
 *   GET  /api/task?id=ID      one task, its whole history from the log and
 *                             its evidence files (console_evidence.c)
 *   GET  /api/events          SSE: id = seq; resumes after Last-Event-ID
 *   GET  /api/grid, /api/live, /api/notify   see console_live.c and
 *                             console_notify.c
 *   POST /api/action          action=ack|resolve|remind|accept|reject|
 *                             reassign, target (repeated: batch), note,
 *                             reason, unit; CSRF required; coordinators and
 *                             admins only. Each target is one Request to the
 *                             broker with person = the logged-in name. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "client.h"
#include "console.h"
#include "console_names.h"
#include "coordinator_write.h"
#include "date.h"
#include "display_name.h"
#include "pace.h"
#include "refusal.h"
#include "wire.h"

static cJSON *
task_json(const Duban__Task *task, int64_t now, const dbn_console_units_t *units)
{
  dbn_task_pace_t pace;
  dbn_colour_t colour = dbn_task_colour(task, dbn_task_pace_start(task), now, NULL, &pace);
  cJSON *json = cJSON_CreateObject();
  cJSON_AddStringToObject(json, "id", task->id);
  cJSON_AddStringToObject(json, "unit", task->unit);
  cJSON_AddStringToObject(json, "unit_name", dbn_console_unit_name(units, task->unit));
  cJSON_AddStringToObject(json, "measure", task->measure);
  cJSON_AddStringToObject(json, "measure_text", task->measure_text ? task->measure_text : "");
  cJSON_AddStringToObject(json, "text", task->text);
  cJSON_AddNumberToObject(json, "state", task->state);
  cJSON_AddNumberToObject(json, "percent", task->percent);
  cJSON_AddStringToObject(json, "note", task->note ? task->note : "");
  cJSON_AddStringToObject(json, "colour", dbn_colour_name(colour));
  cJSON_AddStringToObject(json, "colour_zh", dbn_colour_name_zh(colour));
  cJSON_AddNumberToObject(json, "days_overdue", pace.days_overdue);
  cJSON_AddNumberToObject(json, "expected_percent", pace.expected_percent);
  cJSON_AddNumberToObject(json, "updated_seq", (double)task->updated_seq);
  return json;
}

static void
add_tasks(cJSON *board, dbn_store_txn_t *txn, int64_t now, const dbn_console_units_t *units)
{
  Duban__Task **tasks;
  size_t n = 0;
  cJSON *array = cJSON_AddArrayToObject(board, "tasks");
  if (dbn_store_tasks_list(txn, NULL, &tasks, &n) != 0)
    return;
  for (size_t i = 0; i < n; i++)
    cJSON_AddItemToArray(array, task_json(tasks[i], now, units));
  dbn_store_tasks_free(tasks, n);
}

/* One open escalation, with who raised it and the unit of its task by name. */
static cJSON *
escalation_json(dbn_store_txn_t *txn, const Duban__Escalation *escalation, const dbn_console_units_t *units)
{
  cJSON *json = dbn_cli_message_json(&escalation->base);
  if (!json)
    return NULL;
  dbn_console_add_name(json, "raised_by", NULL, units);
  Duban__Task *task;
  if (dbn_store_task_get(txn, escalation->task, &task) == 0) {
    cJSON_AddStringToObject(json, "unit", task->unit);
    cJSON_AddStringToObject(json, "unit_name", dbn_console_unit_name(units, task->unit));
    dbn_wire_task_free(&task);
  }
  return json;
}

static void
add_units_and_escalations(cJSON *board, dbn_store_txn_t *txn, const dbn_console_units_t *units)
{
  cJSON *array = cJSON_AddArrayToObject(board, "units");
  for (size_t i = 0; i < units->n_units; i++) {
    cJSON *unit = cJSON_CreateObject();
    cJSON_AddStringToObject(unit, "code", units->units[i]->code);
    cJSON_AddStringToObject(unit, "name", dbn_console_unit_name(units, units->units[i]->code));
    cJSON_AddItemToArray(array, unit);
  }
  Duban__Escalation **escalations;
  size_t n = 0;
  array = cJSON_AddArrayToObject(board, "escalations");
  if (dbn_store_escalations_list(txn, true, &escalations, &n) == 0) {
    for (size_t i = 0; i < n; i++)
      cJSON_AddItemToArray(array, escalation_json(txn, escalations[i], units));
    dbn_store_escalations_free(escalations, n);
  }
}

static int
get_board(dbn_web_request_t *req, void *arg)
{
  dbn_console_t *console = arg;
  dbn_store_txn_t *txn;
  if (dbn_store_read_begin(console->mirror, &txn) != 0)
    return dbn_web_reply_error(req, 503, "无法读取本地日志副本");
  cJSON *board = cJSON_CreateObject();
  int64_t now = dbn_console_now(console, txn);
  cJSON_AddNumberToObject(board, "head", (double)dbn_store_txn_head(txn));
  cJSON_AddNumberToObject(board, "now", (double)now);
  cJSON_AddBoolToObject(board, "connected", atomic_load(&console->connected));
  dbn_console_units_t units;
  dbn_console_units_read(txn, &units);
  add_tasks(board, txn, now, &units);
  add_units_and_escalations(board, txn, &units);
  dbn_console_units_clear(&units);
  dbn_store_abort(&txn);
  int rc = dbn_web_reply_json(req, 200, board);
  cJSON_Delete(board);
  return rc;
}

typedef struct {
  const char *id;
  cJSON *history;
  const dbn_console_units_t *units; /* for the names of who acted */
} history_t;

/* An event belongs to a task's history when it names the task (its own
 * body, or an escalation about it: the event JSON carries the id). */
static int
history_event(void *arg, uint64_t seq, const uint8_t *bytes, size_t len)
{
  (void)seq;
  history_t *h = arg;
  Duban__Event *event;
  if (dbn_wire_event_unpack(bytes, len, &event) != 0)
    return DBN_ECORRUPT;
  cJSON *json = dbn_cli_event_json(event);
  dbn_wire_event_free(&event);
  char *text = json ? cJSON_PrintUnformatted(json) : NULL;
  char needle[300];
  snprintf(needle, sizeof needle, "\"%s\"", h->id);
  if (text && strstr(text, needle)) {
    dbn_console_name_event(json, h->units);
    cJSON_AddItemToArray(h->history, json);
  } else
    cJSON_Delete(json);
  cJSON_free(text);
  return 0;
}

/* The names of codes (a measure's lead or cooperating units) as key. */
static void
add_unit_names(cJSON *json, const char *key, char *const *codes, size_t n_codes,
               const dbn_console_units_t *units)
{
  cJSON *names = cJSON_AddArrayToObject(json, key);
  for (size_t i = 0; i < n_codes; i++)
    cJSON_AddItemToArray(names, cJSON_CreateString(dbn_console_unit_name(units, codes[i])));
}

static int
get_task(dbn_web_request_t *req, void *arg)
{
  dbn_console_t *console = arg;
  const char *id = dbn_web_request_query(req, "id");
  if (!id || strlen(id) > 256)
    return dbn_web_reply_error(req, 400, "缺少任务编号");
  dbn_store_txn_t *txn;
  if (dbn_store_read_begin(console->mirror, &txn) != 0)
    return dbn_web_reply_error(req, 503, "无法读取本地日志副本");
  Duban__Task *task;
  if (dbn_store_task_get(txn, id, &task) != 0) {
    dbn_store_abort(&txn);
    return dbn_web_reply_error(req, 404, "没有该任务");
  }
  dbn_console_units_t units;
  dbn_console_units_read(txn, &units);
  cJSON *json = cJSON_CreateObject();
  cJSON *shown = task_json(task, dbn_console_now(console, txn), &units);
  add_unit_names(shown, "lead_names", task->lead, task->n_lead, &units);
  add_unit_names(shown, "cooperating_names", task->cooperating, task->n_cooperating, &units);
  cJSON_AddItemToObject(json, "task", shown);
  cJSON_AddItemToObject(json, "detail", dbn_cli_message_json(&task->base));
  dbn_wire_task_free(&task);
  history_t h = {id, cJSON_AddArrayToObject(json, "history"), &units};
  dbn_store_events_foreach(txn, 0, 0, history_event, &h);
  dbn_console_units_clear(&units);
  cJSON_AddItemToObject(json, "evidence", dbn_console_evidence_json(txn, id));
  dbn_store_abort(&txn);
  int rc = dbn_web_reply_json(req, 200, json);
  cJSON_Delete(json);
  return rc;
}

static int
get_events(dbn_web_request_t *req, void *arg)
{
  dbn_console_t *console = arg;
  uint64_t head = 0;
  uint8_t hash[DBN_HASH_BYTES];
  dbn_store_head(console->mirror, &head, hash);
  return dbn_web_reply_sse(req, console->hub, head);
}

/* ---- Writes */

/* The batch actions, as the page names them, and what each needs besides
 * its target: an escalation's number, a reason, a unit. */
static const struct {
  const char *action;
  Duban__Request__BodyCase body;
  bool on_escalation; /* the target is an escalation's number, not a task */
  bool needs_reason;
  bool needs_unit;
} batch_actions[] = {
    {"ack", DUBAN__REQUEST__BODY_ACK, true, false, false},
    {"resolve", DUBAN__REQUEST__BODY_RESOLVE, true, false, false},
    {"remind", DUBAN__REQUEST__BODY_REMIND, false, false, false},
    {"accept", DUBAN__REQUEST__BODY_ACCEPT, false, false, false},
    {"reject", DUBAN__REQUEST__BODY_REJECT, false, true, false},
    {"reassign", DUBAN__REQUEST__BODY_REASSIGN, false, false, true},
};

/* Fill req for one action on one target (domain/coordinator_write.h);
 * false for an unknown action or a bad target. */
static bool
build_request(Duban__Request *req, dbn_coordinator_bodies_t *bodies, const char *action, const char *target,
              const char *note, const char *reason, const char *unit)
{
  char *end;
  uint64_t id = strtoull(target, &end, 10);
  bool numeric = *target && !*end;
  for (size_t i = 0; i < sizeof batch_actions / sizeof batch_actions[0]; i++) {
    if (strcmp(action, batch_actions[i].action) != 0)
      continue;
    if ((batch_actions[i].on_escalation && !numeric) ||
        (batch_actions[i].needs_reason && !(reason && *reason)) ||
        (batch_actions[i].needs_unit && !(unit && *unit)))
      return false;
    dbn_coordinator_write_t write = {.task = target, .note = note, .reason = reason, .unit = unit};
    write.escalation = batch_actions[i].on_escalation ? id : 0;
    return dbn_coordinator_write_request(req, bodies, batch_actions[i].body, &write) == 0;
  }
  return false;
}

/* One request to the broker on a connection of this thread's own (a
 * client belongs to one thread). */
static cJSON *
send_one(dbn_client_t *client, const dbn_web_session_info_t *who, const char *action, const char *target,
         const dbn_web_request_t *web, const dbn_console_units_t *units)
{
  cJSON *result = cJSON_CreateObject();
  cJSON_AddStringToObject(result, "target", target);
  Duban__Request req = DUBAN__REQUEST__INIT;
  dbn_coordinator_bodies_t bodies;
  if (!build_request(&req, &bodies, action, target, dbn_web_request_form(web, "note"),
                     dbn_web_request_form(web, "reason"), dbn_web_request_form(web, "unit"))) {
    cJSON_AddStringToObject(result, "error", "操作或对象无效（退回需填写原因，改派需选择部门）");
    return result;
  }
  req.person = (char *)who->name;
  Duban__Reply *reply;
  int rc = dbn_client_call(client, &req, &reply);
  if (rc != 0) {
    cJSON_AddStringToObject(result, "error", "无法连接督办服务器，操作未完成");
    return result;
  }
  if (reply->code == DUBAN__CODE__CODE_OK)
    cJSON_AddNumberToObject(result, "seq", (double)reply->seq);
  else {
    char plain[1024], zh[1024]; /* in Chinese, departments by name */
    dbn_web_refusal_zh((int)reply->code, reply->message, plain, sizeof plain);
    dbn_display_names_in_text(plain, units->units, units->n_units, zh, sizeof zh);
    cJSON_AddStringToObject(result, "error", zh);
    cJSON_AddStringToObject(result, "detail", reply->message ? reply->message : "");
  }
  dbn_wire_reply_free(&reply);
  return result;
}

static int
post_action(dbn_web_request_t *req, void *arg)
{
  dbn_console_t *console = arg;
  const dbn_web_session_info_t *who = dbn_web_request_session(req);
  if (who->role != DBN_WEB_ROLE_COORDINATOR && who->role != DBN_WEB_ROLE_ADMIN)
    return dbn_web_reply_error(req, 403, "只读账号不能执行督办操作");
  const char *action = dbn_web_request_form(req, "action");
  size_t count = 0;
  const char *const *targets = dbn_web_request_form_all(req, "target", &count);
  if (!action || count == 0 || count > 500)
    return dbn_web_reply_error(req, 400, "请选择操作和对象");
  char **copies = calloc(count, sizeof *copies);
  for (size_t i = 0; copies && i < count; i++)
    copies[i] = strdup(targets[i]);
  dbn_client_options_t options = {
      .endpoint = console->broker, .server_cert = console->server_cert, .client_cert = console->client_cert};
  dbn_client_t *client;
  if (!copies || dbn_client_new(&client, &options) != 0) {
    for (size_t i = 0; copies && i < count; i++)
      free(copies[i]);
    free(copies);
    return dbn_web_reply_error(req, 503, "无法连接督办服务器");
  }
  dbn_console_units_t units = {0};
  dbn_store_txn_t *txn;
  if (dbn_store_read_begin(console->mirror, &txn) == 0) {
    dbn_console_units_read(txn, &units);
    dbn_store_abort(&txn);
  }
  cJSON *json = cJSON_CreateObject();
  cJSON *results = cJSON_AddArrayToObject(json, "results");
  int failed = 0;
  for (size_t i = 0; i < count; i++) {
    cJSON *one = send_one(client, who, action, copies[i] ? copies[i] : "", req, &units);
    failed += cJSON_HasObjectItem(one, "error");
    cJSON_AddItemToArray(results, one);
    free(copies[i]);
  }
  free(copies);
  dbn_console_units_clear(&units);
  dbn_client_destroy(&client);
  cJSON_AddNumberToObject(json, "failed", failed);
  int rc = dbn_web_reply_json(req, failed == (int)count ? 422 : 200, json);
  cJSON_Delete(json);
  return rc;
}

const dbn_web_route_t dbn_console_routes[] = {
    {"GET", "/api/board", false, get_board, true, false},
    {"GET", "/api/task", false, get_task, true, false},
    {"GET", "/api/events", false, get_events, true, false},
    {"POST", "/api/action", false, post_action, true, true},
    {"GET", "/api/report", false, dbn_console_get_report, true, false},
    {"GET", "/api/export.xlsx", false, dbn_console_get_xlsx, true, false},
    {"GET", "/api/charts", false, dbn_console_get_charts, true, false},
    {"GET", "/api/evidence/file", false, dbn_console_get_evidence_file, true, false},
    {"GET", "/api/grid", false, dbn_console_get_grid, true, false},
    {"GET", "/api/live", false, dbn_console_get_live, true, false},
    {"GET", "/api/notify", false, dbn_console_get_notify, true, false},
};
const size_t dbn_console_route_count = sizeof dbn_console_routes / sizeof dbn_console_routes[0];
