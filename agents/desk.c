/* desk.c: the department desk; see desk.h.
 *
 * Each HTTP request becomes one request to the agent over one ipc
 * connection held under a mutex (a dbn_client is for one thread at a time,
 * and a desk has a handful of clerks, so one connection is enough). The
 * pages (web/assets/desk/) read and write JSON under /api/.
 *
 * What is queued comes from the agent's outbox (ListOutbox, what `duban
 * outbox` shows): the writes still to be delivered and those the broker
 * refused, with its reason in Chinese. The desk keeps no queue of its own,
 * so the list survives a restart of the agent or of the desk.
 *
 * The unit's reads include, read-only, the tasks of the measures it leads
 * (牵头) or cooperates on (配合), each marked (Task.seen_as, domain/lead.h);
 * the pages offer the writes only on the unit's own live tasks, 催办
 * (lead_remind) to a lead on the others' tasks of its measures, and a
 * roll-up colour per measure it leads. A task carries its plan changes
 * (计划调整) and its milestones with their states; 报告节点完成 sends
 * MilestoneMet for one of them.
 *
 * Departments and speakers show by name (市能源局, 协调员 office), never by
 * code: the first page of a list of tasks carries the plan's units, which
 * the desk keeps and reads through domain/display_name.h; the codes stay in
 * the JSON fields a script or a data attribute reads ("unit", "from").
 *
 * Evidence files (佐证材料) come with a progress report as base64 in its
 * JSON (desk_evidence.h); the task's files are listed at /api/evidence and
 * each downloads from /api/evidence/file.
 *
 * The desk is live: the agent answers requests but does not push its
 * unit's events, so a watcher thread here asks it for the unit's tasks and
 * inbox twice a second over a second ipc connection, and when either
 * changes it counts one more change and sends it to the pages over SSE
 * (GET /api/events, web/sse.c's hub): a reminder, a rejection or a
 * reassignment from the board shows on the desk within a second or so,
 * without a reload. The change's id is the desk's own count, not a log
 * seq; a page that (re)connects is sent the latest change, so it reloads
 * once and misses nothing. */
#include "desk.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "client.h"
#include "date.h"
#include "desk_evidence.h"
#include "display_name.h"
#include "desk_task.h"
#include "inbox.h"
#include "lead.h"
#include "log.h"
#include "refusal.h"
#include "request.h"
#include "server.h"
#include "wire.h"

/* How often the watcher asks the agent whether anything changed. */
#define WATCH_EVERY_MS 500

/* A task the desk's unit reads but may not write to, as last listed. */
typedef struct {
  char id[DBN_MAX_ID + 1];
  char unit[DBN_MAX_ID + 1]; /* its owner */
  dbn_seen_as_t seen;
  bool cancelled;
} read_only_task_t;

struct dbn_desk {
  char *agent_endpoint; /* owned copies of the options */
  char *listen;
  char *users_file;
  char *tls_cert;
  char *tls_key;
  char unit[DBN_WEB_UNIT_MAX + 1]; /* learnt from the agent's ping */
  pthread_t starter;
  bool starter_running;
  pthread_mutex_t lock; /* guards client */
  dbn_client_t *client;
  dbn_web_users_t *users;
  dbn_web_sessions_t *sessions;
  dbn_web_server_t *server;
  atomic_bool stopping; /* set by destroy; the starter checks it between pings */
  /* Live changes (the watcher thread): */
  dbn_client_t *watch_client; /* the watcher's own connection to the agent */
  dbn_web_hub_t *hub;
  pthread_t watcher;
  bool watcher_running;
  pthread_mutex_t live_lock; /* guards live_seq, live_data */
  uint64_t live_seq;         /* how many changes seen (the SSE id) */
  char live_data[128];       /* the latest change as one line of JSON */
  /* The tasks it may not write to (others', cancelled), from the latest
   * list, so that such a write is refused before it is sent, and so is
   * never queued while the broker is away: */
  pthread_mutex_t read_only_lock; /* guards read_only, n_read_only */
  read_only_task_t *read_only;
  size_t n_read_only;
  /* The plan's units, from the latest list of tasks that carried them, so
   * that the pages show 市能源局 where the wire says NYJ
   * (domain/display_name.h): */
  pthread_mutex_t units_lock; /* guards units, n_units */
  Duban__Unit **units;        /* owned (wire.h's dbn_wire_messages_free) */
  size_t n_units;
};

static char *
copy_or_null(const char *text)
{
  return text ? strdup(text) : NULL;
}

/* ---- talking to the agent ------------------------------------------------ */

/* Send req (person set for a write) and wait; on success *reply_p is the
 * caller's. A req without a request id gets a fresh one in request_id,
 * which must then outlive req's use. */
static int
desk_call(dbn_desk_t *desk, Duban__Request *req, const char *person, Duban__Reply **reply_p,
          char request_id[DBN_MAX_ID + 1])
{
  if (!req->request_id || !req->request_id[0]) {
    char fresh[33];
    dbn_wire_new_request_id(fresh);
    snprintf(request_id, DBN_MAX_ID + 1, "%s", fresh);
    req->request_id = request_id;
  }
  if (person && person[0])
    req->person = (char *)person;
  pthread_mutex_lock(&desk->lock);
  int rc = dbn_client_call(desk->client, req, reply_p);
  pthread_mutex_unlock(&desk->lock);
  return rc;
}

/* ---- what the unit may write to ------------------------------------------ */

/* Keep, from a list of the unit's tasks, those it may not write to. */
static void
remember_read_only(dbn_desk_t *desk, const Duban__Reply *reply)
{
  read_only_task_t *kept = calloc(reply->n_tasks ? reply->n_tasks : 1, sizeof *kept);
  size_t n = 0;
  for (size_t i = 0; kept && i < reply->n_tasks; i++) {
    const Duban__Task *task = reply->tasks[i];
    dbn_seen_as_t seen = dbn_lead_seen_as_parse(task->seen_as);
    if (seen == DBN_SEEN_OWN && !task->cancelled)
      continue;
    snprintf(kept[n].id, sizeof kept[n].id, "%s", task->id);
    snprintf(kept[n].unit, sizeof kept[n].unit, "%s", task->unit);
    kept[n].seen = seen;
    kept[n++].cancelled = task->cancelled;
  }
  if (!kept)
    return; /* out of memory: the broker still refuses such writes */
  pthread_mutex_lock(&desk->read_only_lock);
  free(desk->read_only);
  desk->read_only = kept;
  desk->n_read_only = n;
  pthread_mutex_unlock(&desk->read_only_lock);
}

/* ---- names, not codes ----------------------------------------------------- */

/* Keep the units a list of tasks carried (its first page does), taking
 * them from reply. */
static void
remember_units(dbn_desk_t *desk, Duban__Reply *reply)
{
  if (!reply->n_units)
    return;
  pthread_mutex_lock(&desk->units_lock);
  dbn_wire_messages_free((void **)desk->units, desk->n_units);
  desk->units = reply->units;
  desk->n_units = reply->n_units;
  pthread_mutex_unlock(&desk->units_lock);
  reply->units = NULL;
  reply->n_units = 0;
}

/* Before the first list of tasks (a page asking for its inbox first), ask
 * for a list of one task, whose answer carries the units. */
static void
ensure_units(dbn_desk_t *desk)
{
  pthread_mutex_lock(&desk->units_lock);
  bool known = desk->n_units > 0;
  pthread_mutex_unlock(&desk->units_lock);
  if (known)
    return;
  Duban__ListTasks list = DUBAN__LIST_TASKS__INIT;
  list.limit = 1;
  Duban__Request request = DUBAN__REQUEST__INIT;
  request.body_case = DUBAN__REQUEST__BODY_LIST_TASKS;
  request.list_tasks = &list;
  char request_id[DBN_MAX_ID + 1];
  Duban__Reply *reply = NULL;
  if (desk_call(desk, &request, NULL, &reply, request_id) == 0 && reply->code == DUBAN__CODE__CODE_OK)
    remember_units(desk, reply);
  dbn_wire_reply_free(&reply);
}

/* A unit's code or an identity as a person reads it (with the 经办人 for a
 * role's key, when known), into out. */
static const char *
desk_display_name(dbn_desk_t *desk, const char *identity, const char *person, char *out, size_t out_len)
{
  pthread_mutex_lock(&desk->units_lock);
  dbn_identity_display_name(identity, person, desk->units, desk->n_units, out, out_len);
  pthread_mutex_unlock(&desk->units_lock);
  return out;
}

/* The task an owner's write names (claim, progress, submit, escalate,
 * milestone met: request.h's task requests), or NULL for any other request.
 * A lead's reminder names a task too, but the lead may send it on a task it
 * does not own (lead.h), so it is no owner's write. */
static const char *
owner_write_task(const Duban__Request *write)
{
  if (write->body_case == DUBAN__REQUEST__BODY_LEAD_REMIND)
    return NULL;
  return dbn_request_task(write);
}

/* Why the unit may not write to task, in Chinese, or false when the desk
 * knows no reason (then the broker decides). */
static bool
read_only_reason(dbn_desk_t *desk, const char *task, char *why, size_t why_len)
{
  bool found = false;
  pthread_mutex_lock(&desk->read_only_lock);
  for (size_t i = 0; task && i < desk->n_read_only && !found; i++) {
    const read_only_task_t *known = &desk->read_only[i];
    if (strcmp(known->id, task) != 0)
      continue;
    found = true;
    char owner[96], self[96]; /* a unit name is a few dozen bytes; a longer one is cut whole */
    if (known->cancelled)
      snprintf(why, why_len, "任务 %s 已因计划调整撤销，不再办理", task);
    else
      snprintf(why, why_len, "任务 %s 由%s负责，本单位（%s）是%s单位，只可查看%s", task,
               desk_display_name(desk, known->unit, NULL, owner, sizeof owner),
               desk_display_name(desk, desk->unit, NULL, self, sizeof self), dbn_lead_seen_as_zh(known->seen),
               known->seen == DBN_SEEN_LEAD ? "和催办" : "");
  }
  pthread_mutex_unlock(&desk->read_only_lock);
  return found;
}

/* A refusal in Chinese (web/refusal.h) with the departments it names by
 * name, into zh. */
static void
refusal_zh(dbn_desk_t *desk, int code, const char *message, char *zh, size_t zh_len)
{
  char plain[1024];
  dbn_web_refusal_zh(code, message, plain, sizeof plain);
  pthread_mutex_lock(&desk->units_lock);
  dbn_display_names_in_text(plain, desk->units, desk->n_units, zh, zh_len);
  pthread_mutex_unlock(&desk->units_lock);
}

/* Answer the page with json, then delete it (the reply holds a copy). */
static int
reply_json_owned(dbn_web_request_t *req, unsigned status, cJSON *json)
{
  int rc = dbn_web_reply_json(req, status, json);
  cJSON_Delete(json);
  return rc;
}

/* A refusal as the page reads it: {"ok": false, "code", "field", "error",
 * "detail"}, field and detail left out when NULL. */
static int
reply_refused(dbn_web_request_t *req, unsigned status, const char *code, const char *field, const char *error,
              const char *detail)
{
  cJSON *json = cJSON_CreateObject();
  cJSON_AddBoolToObject(json, "ok", false);
  cJSON_AddStringToObject(json, "code", code);
  if (field)
    cJSON_AddStringToObject(json, "field", field);
  cJSON_AddStringToObject(json, "error", error);
  if (detail)
    cJSON_AddStringToObject(json, "detail", detail);
  return reply_json_owned(req, status, json);
}

/* ---- answers --------------------------------------------------------------- */

static int
reply_agent_failure(dbn_web_request_t *req, int rc)
{
  char message[256];
  snprintf(message, sizeof message, "本部门代理程序未应答（%s），请稍后再试", dbn_strerror(rc));
  return dbn_web_reply_error(req, 503, message);
}

/* An error reply from the broker (or the agent) as JSON: the refusal in
 * Chinese (web/refusal.h), which the page shows beside the field, and the
 * broker's own text as detail. */
static int
reply_refusal(dbn_desk_t *desk, dbn_web_request_t *req, const Duban__Reply *reply)
{
  char zh[1024];
  refusal_zh(desk, (int)reply->code, reply->message, zh, sizeof zh);
  unsigned status = reply->code == DUBAN__CODE__CODE_PERMISSION_DENIED ? 403
                    : reply->code == DUBAN__CODE__CODE_UNAVAILABLE     ? 503
                                                                       : 409;
  return reply_refused(req, status, dbn_wire_code_name(reply->code), NULL, zh,
                       reply->message ? reply->message : "");
}

/* The person of the request's session (the route requires one). */
static const char *
person_of(const dbn_web_request_t *req)
{
  const dbn_web_session_info_t *info = dbn_web_request_session(req);
  return info ? info->name : "";
}

/* Send request to the agent for the page req. Returns the reply when the
 * broker (or the agent's outbox) took it; otherwise answers the page with
 * the failure or the refusal, sets *page_rc to that answer's result and
 * returns NULL. */
static Duban__Reply *
desk_ask(dbn_desk_t *desk, dbn_web_request_t *req, Duban__Request *request, const char *person,
         char request_id[DBN_MAX_ID + 1], int *page_rc)
{
  Duban__Reply *reply = NULL;
  int rc = desk_call(desk, request, person, &reply, request_id);
  if (rc) {
    *page_rc = reply_agent_failure(req, rc);
    return NULL;
  }
  if (reply->code != DUBAN__CODE__CODE_OK) {
    *page_rc = reply_refusal(desk, req, reply);
    dbn_wire_reply_free(&reply);
    return NULL;
  }
  return reply;
}

/* Make body (borrowed) the body of request, as request.h's row for
 * body_case says; DBN_EINVAL for a body of another type (a bug). */
static int
set_request_body(Duban__Request *request, Duban__Request__BodyCase body_case, const ProtobufCMessage *body)
{
  const dbn_request_kind_t *kind = dbn_request_kind(body_case);
  return kind ? dbn_request_set_body(request, kind, body) : DBN_EINVAL;
}

/* desk_ask for a read the page makes in the desk's own name: body (borrowed,
 * of the message type request.h's row for body_case names) becomes the
 * request's body. */
static Duban__Reply *
desk_read(dbn_desk_t *desk, dbn_web_request_t *req, Duban__Request__BodyCase body_case,
          const ProtobufCMessage *body, int *page_rc)
{
  Duban__Request request = DUBAN__REQUEST__INIT;
  int rc = set_request_body(&request, body_case, body);
  if (rc) {
    *page_rc = reply_agent_failure(req, rc);
    return NULL;
  }
  char request_id[DBN_MAX_ID + 1];
  return desk_ask(desk, req, &request, NULL, request_id, page_rc);
}

/* Send one write and answer the page: ok with seq, queued, or refused. */
static int
write_and_reply(dbn_desk_t *desk, dbn_web_request_t *req, Duban__Request *write, const char *what)
{
  char why[512];
  if (read_only_reason(desk, owner_write_task(write), why, sizeof why))
    return reply_refused(req, 403, "permission_denied", NULL, why, NULL);
  char request_id[DBN_MAX_ID + 1];
  const char *person = person_of(req);
  int rc;
  Duban__Reply *reply = desk_ask(desk, req, write, person, request_id, &rc);
  if (!reply)
    return rc;
  if (reply->queued)
    dbn_log(DBN_LOG_INFO, "desk", "%s (%s) queued in the outbox as %s", what, person, request_id);
  cJSON *json = cJSON_CreateObject();
  cJSON_AddBoolToObject(json, "ok", true);
  cJSON_AddBoolToObject(json, "queued", reply->queued);
  cJSON_AddNumberToObject(json, "seq", (double)reply->seq);
  cJSON_AddBoolToObject(json, "duplicate", reply->duplicate);
  cJSON_AddStringToObject(json, "message", reply->queued ? "已排队：代理程序将在联通后送达" : "已提交");
  dbn_wire_reply_free(&reply);
  return reply_json_owned(req, 200, json);
}

/* A string member of the JSON body, or NULL. */
static const char *
body_string(const dbn_web_request_t *req, const char *name)
{
  const cJSON *item = cJSON_GetObjectItemCaseSensitive(dbn_web_request_json(req), name);
  return cJSON_IsString(item) ? item->valuestring : NULL;
}

static bool
text_ok(const char *text, size_t max_len, bool may_be_empty)
{
  return text && strlen(text) <= max_len && (may_be_empty || text[0]);
}

/* ---- tasks as the pages read them ----------------------------------------- */

static int
handle_tasks(dbn_web_request_t *req, void *arg)
{
  dbn_desk_t *desk = arg;
  Duban__ListTasks list = DUBAN__LIST_TASKS__INIT;
  int rc;
  Duban__Reply *reply = desk_read(desk, req, DUBAN__REQUEST__BODY_LIST_TASKS, &list.base, &rc);
  if (!reply)
    return rc;
  remember_units(desk, reply);
  cJSON *json = cJSON_CreateObject();
  cJSON_AddStringToObject(json, "unit", desk->unit);
  cJSON *tasks = cJSON_AddArrayToObject(json, "tasks");
  pthread_mutex_lock(&desk->units_lock);
  cJSON_AddStringToObject(json, "unit_name", dbn_unit_display_name(desk->units, desk->n_units, desk->unit));
  for (size_t i = 0; i < reply->n_tasks; i++)
    cJSON_AddItemToArray(tasks, dbn_desk_task_json(reply->tasks[i], reply->now, desk->units, desk->n_units));
  pthread_mutex_unlock(&desk->units_lock);
  remember_read_only(desk, reply);
  cJSON_AddItemToObject(json, "lead_measures", dbn_desk_lead_measures_json(reply));
  dbn_wire_reply_free(&reply);
  return reply_json_owned(req, 200, json);
}

/* ---- writes ------------------------------------------------------------------ */

/* write_and_reply for the write of body_case with body (borrowed, of the
 * message type request.h's row for body_case names). */
static int
send_write(dbn_desk_t *desk, dbn_web_request_t *req, Duban__Request__BodyCase body_case,
           const ProtobufCMessage *body, const char *what)
{
  Duban__Request write = DUBAN__REQUEST__INIT;
  int rc = set_request_body(&write, body_case, body);
  if (rc)
    return reply_agent_failure(req, rc);
  return write_and_reply(desk, req, &write, what);
}

/* send_write for a write that carries evidence, which is freed after. */
static int
send_with_evidence(dbn_desk_t *desk, dbn_web_request_t *req, Duban__Request__BodyCase body_case,
                   const ProtobufCMessage *body, const char *what, dbn_desk_evidence_t *evidence)
{
  int rc = send_write(desk, req, body_case, body, what);
  dbn_desk_evidence_clear(evidence);
  free(evidence);
  return rc;
}

static int
handle_claim(dbn_web_request_t *req, void *arg)
{
  const char *task = body_string(req, "task");
  if (!text_ok(task, DBN_MAX_ID, false))
    return dbn_web_reply_error(req, 400, "请选择一项任务");
  Duban__Claim claim = DUBAN__CLAIM__INIT;
  claim.task = (char *)task;
  char what[256];
  snprintf(what, sizeof what, "签收 %s", task);
  return send_write(arg, req, DUBAN__REQUEST__BODY_CLAIM, &claim.base, what);
}

/* The figures a progress report or a milestone carries, parsed from the
 * page's body; the strings are borrowed from it. */
typedef struct {
  Duban__Figure figures[DBN_MAX_FIGURES];
  Duban__Figure *pointers[DBN_MAX_FIGURES]; /* what the request's figures point to */
  size_t count;
} body_figures_t;

/* The figures of body's "figures": [{what, value, unit}]; false (and a
 * message) when one is malformed. */
static bool
parse_figures(const cJSON *body, body_figures_t *parsed, char *why, size_t why_len)
{
  parsed->count = 0;
  const cJSON *item;
  cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(body, "figures"))
  {
    if (parsed->count == DBN_MAX_FIGURES) {
      snprintf(why, why_len, "一次最多填报 %d 项指标", DBN_MAX_FIGURES);
      return false;
    }
    const cJSON *what = cJSON_GetObjectItemCaseSensitive(item, "what");
    const cJSON *value = cJSON_GetObjectItemCaseSensitive(item, "value");
    const cJSON *unit = cJSON_GetObjectItemCaseSensitive(item, "unit");
    if (!cJSON_IsString(what) || !cJSON_IsNumber(value) || !cJSON_IsString(unit) ||
        !text_ok(what->valuestring, DBN_MAX_TEXT, false) || !text_ok(unit->valuestring, DBN_MAX_ID, true)) {
      snprintf(why, why_len, "指标须有名称、数值和单位");
      return false;
    }
    Duban__Figure *figure = &parsed->figures[parsed->count];
    *figure = (Duban__Figure)DUBAN__FIGURE__INIT;
    figure->what = what->valuestring;
    figure->value = value->valuedouble;
    figure->unit_of_measure = unit->valuestring;
    parsed->pointers[parsed->count++] = figure;
  }
  return true;
}

/* A refusal of the files themselves, before anything was sent: shown
 * beside the upload field. */
static int
reply_evidence_refusal(dbn_web_request_t *req, const char *why)
{
  return reply_refused(req, 400, "invalid_argument", "evidence", why, NULL);
}

/* The evidence of body's "evidence", in a new block the caller frees with
 * send_with_evidence; NULL, with the page's reply in *rc_p, when it is
 * refused or memory runs out. */
static dbn_desk_evidence_t *
parse_evidence(dbn_web_request_t *req, const cJSON *body, int *rc_p)
{
  dbn_desk_evidence_t *evidence = malloc(sizeof *evidence);
  if (!evidence) {
    *rc_p = reply_agent_failure(req, DBN_ENOMEM);
    return NULL;
  }
  char why[400];
  if (dbn_desk_evidence_parse(cJSON_GetObjectItemCaseSensitive(body, "evidence"), evidence, why,
                              sizeof why) != 0) {
    free(evidence);
    *rc_p = reply_evidence_refusal(req, why);
    return NULL;
  }
  return evidence;
}

static int
handle_progress(dbn_web_request_t *req, void *arg)
{
  const cJSON *body = dbn_web_request_json(req);
  const char *task = body_string(req, "task");
  const cJSON *percent = cJSON_GetObjectItemCaseSensitive(body, "percent");
  if (!text_ok(task, DBN_MAX_ID, false))
    return dbn_web_reply_error(req, 400, "请选择一项任务");
  if (!cJSON_IsNumber(percent) || percent->valuedouble < 0 || percent->valuedouble > 100)
    return dbn_web_reply_error(req, 400, "完成百分比须为 0 到 100 的整数");
  body_figures_t figures;
  char why[128];
  if (!parse_figures(body, &figures, why, sizeof why))
    return dbn_web_reply_error(req, 400, why);
  const char *note = body_string(req, "note");
  if (note && !text_ok(note, DBN_MAX_TEXT, true))
    return dbn_web_reply_error(req, 400, "说明过长");
  int rc;
  dbn_desk_evidence_t *evidence = parse_evidence(req, body, &rc);
  if (!evidence)
    return rc;
  Duban__Progress progress = DUBAN__PROGRESS__INIT;
  progress.task = (char *)task;
  progress.percent = (int32_t)percent->valuedouble;
  progress.figures = figures.pointers;
  progress.n_figures = figures.count;
  progress.note = (char *)(note ? note : "");
  progress.evidence = evidence->ptrs;
  progress.n_evidence = evidence->n;
  char what[256];
  snprintf(what, sizeof what, "填报进度 %s（%d%%，佐证材料 %zu 个）", task, progress.percent, evidence->n);
  return send_with_evidence(arg, req, DUBAN__REQUEST__BODY_PROGRESS, &progress.base, what, evidence);
}

static int
handle_submit(dbn_web_request_t *req, void *arg)
{
  const char *task = body_string(req, "task");
  const char *note = body_string(req, "note");
  if (!text_ok(task, DBN_MAX_ID, false) || (note && !text_ok(note, DBN_MAX_TEXT, true)))
    return dbn_web_reply_error(req, 400, "请选择一项任务");
  Duban__Submit submit = DUBAN__SUBMIT__INIT;
  submit.task = (char *)task;
  if (note)
    submit.note = (char *)note;
  char what[256];
  snprintf(what, sizeof what, "报结 %s", task);
  return send_write(arg, req, DUBAN__REQUEST__BODY_SUBMIT, &submit.base, what);
}

static int
handle_escalate(dbn_web_request_t *req, void *arg)
{
  const char *task = body_string(req, "task");
  const char *category = body_string(req, "category");
  const char *reason = body_string(req, "reason");
  if (!text_ok(task, DBN_MAX_ID, false))
    return dbn_web_reply_error(req, 400, "请选择一项任务");
  if (!text_ok(category, DBN_MAX_ID, false) || !text_ok(reason, DBN_MAX_TEXT, false))
    return dbn_web_reply_error(req, 400, "请选择问题类别并填写原因");
  Duban__Escalate escalate = DUBAN__ESCALATE__INIT;
  escalate.task = (char *)task;
  escalate.category = (char *)category;
  escalate.reason = (char *)reason;
  char what[256];
  snprintf(what, sizeof what, "提请协调 %s", task);
  return send_write(arg, req, DUBAN__REQUEST__BODY_ESCALATE, &escalate.base, what);
}

/* 催办 by the measure's lead unit (牵头单位) of a task another unit owns;
 * the broker checks that the desk's unit leads it (domain/lead.h). */
static int
handle_remind(dbn_web_request_t *req, void *arg)
{
  const char *task = body_string(req, "task");
  const char *note = body_string(req, "note");
  if (!text_ok(task, DBN_MAX_ID, false))
    return dbn_web_reply_error(req, 400, "请选择一项任务");
  if (!text_ok(note, DBN_MAX_TEXT, false))
    return dbn_web_reply_error(req, 400, "请填写催办内容：对方单位会看到它");
  Duban__Remind remind = DUBAN__REMIND__INIT;
  remind.task = (char *)task;
  remind.note = (char *)note;
  char what[256];
  snprintf(what, sizeof what, "牵头催办 %s", task);
  return send_write(arg, req, DUBAN__REQUEST__BODY_LEAD_REMIND, &remind.base, what);
}

/* 报告节点完成: one milestone (its due day or number) met, with the figures
 * reached against the targets, a note and evidence, as a progress report
 * carries them; a coordinator then confirms it or sends it back. */
static int
handle_milestone_met(dbn_web_request_t *req, void *arg)
{
  const cJSON *body = dbn_web_request_json(req);
  const char *task = body_string(req, "task");
  const char *due = body_string(req, "due");
  const char *note = body_string(req, "note");
  if (!text_ok(task, DBN_MAX_ID, false) || !text_ok(due, DBN_MAX_ID, false))
    return dbn_web_reply_error(req, 400, "请选择一项任务和其中的一个节点");
  if (note && !text_ok(note, DBN_MAX_TEXT, true))
    return dbn_web_reply_error(req, 400, "说明过长");
  body_figures_t figures;
  char why[400];
  if (!parse_figures(body, &figures, why, sizeof why))
    return dbn_web_reply_error(req, 400, why);
  int rc;
  dbn_desk_evidence_t *evidence = parse_evidence(req, body, &rc);
  if (!evidence)
    return rc;
  Duban__MilestoneMet met = DUBAN__MILESTONE_MET__INIT;
  met.task = (char *)task;
  met.due = (char *)due;
  met.note = (char *)(note ? note : "");
  met.figures = figures.pointers;
  met.n_figures = figures.count;
  met.evidence = evidence->ptrs;
  met.n_evidence = evidence->n;
  char what[256];
  snprintf(what, sizeof what, "报告节点完成 %s 节点 %s（佐证材料 %zu 个）", task, due, evidence->n);
  return send_with_evidence(arg, req, DUBAN__REQUEST__BODY_MILESTONE_MET, &met.base, what, evidence);
}

/* ---- the inbox --------------------------------------------------------------- */

static int
handle_inbox(dbn_web_request_t *req, void *arg)
{
  ensure_units(arg);
  Duban__ListInbox list = DUBAN__LIST_INBOX__INIT;
  int rc;
  Duban__Reply *reply = desk_read(arg, req, DUBAN__REQUEST__BODY_LIST_INBOX, &list.base, &rc);
  if (!reply)
    return rc;
  cJSON *json = cJSON_CreateObject();
  cJSON *items = cJSON_AddArrayToObject(json, "items");
  size_t unread = 0;
  for (size_t i = 0; i < reply->n_inbox; i++) {
    const Duban__InboxItem *item = reply->inbox[i];
    cJSON *entry = dbn_desk_event_line_json(item->seq, item->time);
    cJSON_AddStringToObject(entry, "kind", item->kind);
    cJSON_AddStringToObject(entry, "kind_zh", dbn_inbox_kind_zh(item->kind));
    cJSON_AddStringToObject(entry, "task", item->task);
    cJSON_AddStringToObject(entry, "from", item->from);
    char from[256];
    const char *person = i < reply->n_inbox_persons ? reply->inbox_persons[i] : NULL;
    cJSON_AddStringToObject(entry, "from_name",
                            desk_display_name(arg, item->from, person, from, sizeof from));
    cJSON_AddStringToObject(entry, "text", item->text);
    cJSON_AddBoolToObject(entry, "read", item->read);
    cJSON_AddItemToArray(items, entry);
    unread += !item->read;
  }
  cJSON_AddNumberToObject(json, "unread", (double)unread);
  dbn_wire_reply_free(&reply);
  return reply_json_owned(req, 200, json);
}

static int
handle_inbox_read(dbn_web_request_t *req, void *arg)
{
  const cJSON *up_to = cJSON_GetObjectItemCaseSensitive(dbn_web_request_json(req), "up_to_seq");
  if (!cJSON_IsNumber(up_to) || up_to->valuedouble < 1)
    return dbn_web_reply_error(req, 400, "缺少消息序号");
  Duban__MarkInboxRead mark = DUBAN__MARK_INBOX_READ__INIT;
  mark.up_to_seq = (uint64_t)up_to->valuedouble;
  return send_write(arg, req, DUBAN__REQUEST__BODY_MARK_INBOX_READ, &mark.base, "标记已读");
}

/* ---- queued commands ------------------------------------------------------------ */

/* What the outbox holds, as the page lists it: a write still to be
 * delivered, or one the broker refused, with its reason in Chinese. */
static cJSON *
outbox_item_json(dbn_desk_t *desk, const Duban__OutboxItem *item)
{
  const char *kind = dbn_web_word_zh(item->kind);
  char what[256], message[1024] = "";
  snprintf(what, sizeof what, "%s %s", kind ? kind : item->kind, item->task);
  if (item->refused)
    refusal_zh(desk, (int)item->code, item->reason, message, sizeof message);
  cJSON *json = cJSON_CreateObject();
  cJSON_AddStringToObject(json, "request_id", item->request_id);
  cJSON_AddStringToObject(json, "what", what);
  cJSON_AddStringToObject(json, "task", item->task);
  cJSON_AddStringToObject(json, "state", item->refused ? "被拒绝" : "已排队");
  cJSON_AddBoolToObject(json, "queued", !item->refused);
  cJSON_AddBoolToObject(json, "refused", item->refused);
  cJSON_AddStringToObject(json, "message", message);
  char at[24] = "";
  if (item->answered_at)
    dbn_time_format_minute(item->answered_at, at);
  cJSON_AddStringToObject(json, "answered_at", at);
  return json;
}

static int
handle_queued(dbn_web_request_t *req, void *arg)
{
  Duban__ListOutbox list = DUBAN__LIST_OUTBOX__INIT;
  int rc;
  Duban__Reply *reply = desk_read(arg, req, DUBAN__REQUEST__BODY_LIST_OUTBOX, &list.base, &rc);
  if (!reply)
    return rc;
  cJSON *json = cJSON_CreateObject();
  cJSON *items = cJSON_AddArrayToObject(json, "items");
  size_t waiting = 0, refused = 0;
  for (size_t i = 0; i < reply->n_outbox; i++) {
    cJSON_AddItemToArray(items, outbox_item_json(arg, reply->outbox[i]));
    waiting += !reply->outbox[i]->refused;
    refused += reply->outbox[i]->refused;
  }
  dbn_wire_reply_free(&reply);
  cJSON_AddNumberToObject(json, "waiting", (double)waiting);
  cJSON_AddNumberToObject(json, "refused", (double)refused);
  return reply_json_owned(req, 200, json);
}

/* ---- evidence ------------------------------------------------------------------- */

static int
handle_evidence(dbn_web_request_t *req, void *arg)
{
  const char *task = dbn_web_request_query(req, "task");
  if (!text_ok(task, DBN_MAX_ID, false))
    return dbn_web_reply_error(req, 400, "请选择一项任务");
  Duban__EvidenceList list = DUBAN__EVIDENCE_LIST__INIT;
  list.task = (char *)task;
  int rc;
  Duban__Reply *reply = desk_read(arg, req, DUBAN__REQUEST__BODY_LIST_EVIDENCE, &list.base, &rc);
  if (!reply)
    return rc;
  cJSON *json = dbn_desk_evidence_list_json(reply);
  dbn_wire_reply_free(&reply);
  return reply_json_owned(req, 200, json);
}

static int
handle_evidence_file(dbn_web_request_t *req, void *arg)
{
  const char *hex = dbn_web_request_query(req, "hash");
  Duban__EvidenceGet get = DUBAN__EVIDENCE_GET__INIT;
  uint8_t hash[DBN_EVIDENCE_HASH_BYTES];
  if (!hex || dbn_evidence_hash_parse(hex, hash) != 0)
    return dbn_web_reply_error(req, 404, "没有该佐证材料");
  get.hash.data = hash;
  get.hash.len = sizeof hash;
  int rc;
  Duban__Reply *reply = desk_read(arg, req, DUBAN__REQUEST__BODY_GET_EVIDENCE, &get.base, &rc);
  if (!reply)
    return rc;
  const Duban__EvidenceRef *file = reply->evidence_file;
  if (file)
    rc = dbn_web_reply_bytes(req, 200, file->media_type, file->content.data, file->content.len, file->name);
  else
    rc = dbn_web_reply_error(req, 404, "没有该佐证材料");
  dbn_wire_reply_free(&reply);
  return rc;
}

/* ---- live changes --------------------------------------------------------------- */

/* FNV-1a over bytes, continued from hash. */
static uint64_t
fnv1a(uint64_t hash, const uint8_t *bytes, size_t len)
{
  for (size_t i = 0; i < len; i++) {
    hash ^= bytes[i];
    hash *= 1099511628211ull;
  }
  return hash;
}

/* A digest of messages (tasks or inbox items) as packed on the wire. */
static uint64_t
digest_messages(ProtobufCMessage *const *messages, size_t count)
{
  uint64_t hash = 14695981039346656037ull;
  uint8_t stack[4096];
  for (size_t i = 0; i < count; i++) {
    size_t len = protobuf_c_message_get_packed_size(messages[i]);
    uint8_t *buf = len <= sizeof stack ? stack : malloc(len);
    if (!buf)
      continue;
    protobuf_c_message_pack(messages[i], buf);
    hash = fnv1a(hash, buf, len);
    hash = fnv1a(hash, (const uint8_t *)"\x1e", 1); /* between messages */
    if (buf != stack)
      free(buf);
  }
  return hash;
}

/* Ask the agent for one read on the watcher's connection; the digest of
 * what came back, and *unread for the inbox. false when no answer. */
static bool
watch_read(dbn_desk_t *desk, Duban__Request__BodyCase body, uint64_t *digest, size_t *unread)
{
  Duban__ListTasks tasks = DUBAN__LIST_TASKS__INIT;
  Duban__ListInbox inbox = DUBAN__LIST_INBOX__INIT;
  Duban__Request request = DUBAN__REQUEST__INIT;
  request.body_case = body;
  if (body == DUBAN__REQUEST__BODY_LIST_TASKS)
    request.list_tasks = &tasks;
  else
    request.list_inbox = &inbox;
  char request_id[33];
  dbn_wire_new_request_id(request_id);
  request.request_id = request_id;
  Duban__Reply *reply = NULL;
  if (dbn_client_call(desk->watch_client, &request, &reply) != 0 || reply->code != DUBAN__CODE__CODE_OK) {
    dbn_wire_reply_free(&reply);
    return false;
  }
  if (body == DUBAN__REQUEST__BODY_LIST_TASKS) {
    *digest = digest_messages((ProtobufCMessage *const *)reply->tasks, reply->n_tasks);
    remember_read_only(desk, reply);
    remember_units(desk, reply);
  } else {
    *digest = digest_messages((ProtobufCMessage *const *)reply->inbox, reply->n_inbox);
    *unread = 0;
    for (size_t i = 0; i < reply->n_inbox; i++)
      *unread += !reply->inbox[i]->read;
  }
  dbn_wire_reply_free(&reply);
  return true;
}

/* The SSE backlog: the latest change, if the page has not seen it. */
static int
live_backlog(uint64_t after_seq, dbn_web_emit_fn emit, void *ctx, void *arg)
{
  dbn_desk_t *desk = arg;
  pthread_mutex_lock(&desk->live_lock);
  uint64_t seq = desk->live_seq;
  char data[sizeof desk->live_data];
  memcpy(data, desk->live_data, sizeof data);
  pthread_mutex_unlock(&desk->live_lock);
  if (seq > after_seq)
    emit(ctx, seq, "changed", data);
  return 0;
}

static void *
watcher_main(void *arg)
{
  dbn_desk_t *desk = arg;
  uint64_t tasks_seen = 0, inbox_seen = 0;
  bool have_tasks = false, have_inbox = false;
  while (!desk->stopping) {
    uint64_t tasks_digest = 0, inbox_digest = 0;
    size_t unread = 0;
    bool got_tasks = watch_read(desk, DUBAN__REQUEST__BODY_LIST_TASKS, &tasks_digest, NULL);
    bool got_inbox = watch_read(desk, DUBAN__REQUEST__BODY_LIST_INBOX, &inbox_digest, &unread);
    bool tasks_changed = got_tasks && (!have_tasks || tasks_digest != tasks_seen);
    bool inbox_changed = got_inbox && (!have_inbox || inbox_digest != inbox_seen);
    if (tasks_changed || inbox_changed) {
      tasks_seen = got_tasks ? tasks_digest : tasks_seen;
      inbox_seen = got_inbox ? inbox_digest : inbox_seen;
      have_tasks |= got_tasks;
      have_inbox |= got_inbox;
      char data[sizeof desk->live_data];
      snprintf(data, sizeof data, "{\"tasks\":%s,\"inbox\":%s,\"unread\":%zu}",
               tasks_changed ? "true" : "false", inbox_changed ? "true" : "false", unread);
      pthread_mutex_lock(&desk->live_lock);
      uint64_t seq = ++desk->live_seq;
      memcpy(desk->live_data, data, sizeof data);
      pthread_mutex_unlock(&desk->live_lock);
      dbn_web_hub_publish(desk->hub, seq, "changed", data);
    }
    for (int slept = 0; slept < WATCH_EVERY_MS && !desk->stopping; slept += 50)
      usleep(50 * 1000);
  }
  return NULL;
}

static int
handle_events(dbn_web_request_t *req, void *arg)
{
  dbn_desk_t *desk = arg;
  return dbn_web_reply_sse(req, desk->hub, 0);
}

/* ---- start and stop ------------------------------------------------------------ */

static const dbn_web_route_t routes[] = {
    {"GET", "/api/tasks", false, handle_tasks, true, false},
    {"POST", "/api/claim", false, handle_claim, true, true},
    {"POST", "/api/progress", false, handle_progress, true, true},
    {"POST", "/api/submit", false, handle_submit, true, true},
    {"POST", "/api/escalate", false, handle_escalate, true, true},
    {"GET", "/api/inbox", false, handle_inbox, true, false},
    {"POST", "/api/inbox/read", false, handle_inbox_read, true, true},
    {"GET", "/api/queued", false, handle_queued, true, false},
    {"GET", "/api/events", false, handle_events, true, false},
    {"GET", "/api/evidence", false, handle_evidence, true, false},
    {"GET", "/api/evidence/file", false, handle_evidence_file, true, false},
    {"POST", "/api/remind", false, handle_remind, true, true},
    {"POST", "/api/milestone", false, handle_milestone_met, true, true},
};

/* Ask the agent who it speaks for until it answers; false when stopped or
 * after a minute. */
static bool
learn_unit(dbn_desk_t *desk)
{
  for (int attempt = 0; attempt < 300 && !desk->stopping; attempt++) {
    Duban__Ping ping = DUBAN__PING__INIT;
    Duban__Request req = DUBAN__REQUEST__INIT;
    req.body_case = DUBAN__REQUEST__BODY_PING;
    req.ping = &ping;
    Duban__Reply *reply = NULL;
    char request_id[DBN_MAX_ID + 1];
    if (desk_call(desk, &req, NULL, &reply, request_id) == 0 && reply->code == DUBAN__CODE__CODE_OK &&
        strncmp(reply->identity, "unit:", 5) == 0) {
      snprintf(desk->unit, sizeof desk->unit, "%s", reply->identity + 5);
      dbn_wire_reply_free(&reply);
      return true;
    }
    dbn_wire_reply_free(&reply);
    usleep(200 * 1000);
  }
  return false;
}

static int
start_server(dbn_desk_t *desk)
{
  int rc = dbn_web_users_load(&desk->users, desk->users_file);
  if (rc) {
    dbn_log(DBN_LOG_ERROR, "desk", "cannot read the users file %s: %s", desk->users_file, dbn_strerror(rc));
    return rc;
  }
  if ((rc = dbn_web_sessions_new(&desk->sessions, 0, 0)) != 0)
    return rc;
  if ((rc = dbn_web_hub_new(&desk->hub, live_backlog, desk, 0)) != 0)
    return rc;
  dbn_web_config_t config = {
      .listen = desk->listen,
      .tls_cert = desk->tls_cert,
      .tls_key = desk->tls_key,
      .routes = routes,
      .route_count = sizeof routes / sizeof routes[0],
      .arg = desk,
      .users = desk->users,
      .sessions = desk->sessions,
      .index_asset = "desk/index.html",
      .login_asset = "common/login.html",
      .allowed_roles = 1u << DBN_WEB_ROLE_CLERK,
      .login_unit = desk->unit,
  };
  rc = dbn_web_server_new(&desk->server, &config);
  if (rc) {
    dbn_log(DBN_LOG_ERROR, "desk", "cannot serve at %s: %s", desk->listen, dbn_strerror(rc));
    return rc;
  }
  dbn_log(DBN_LOG_INFO, "desk", "the desk of %s at %s://127.0.0.1:%u/", desk->unit,
          dbn_web_server_tls(desk->server) ? "https" : "http", (unsigned)dbn_web_server_port(desk->server));
  return 0;
}

static void *
starter_main(void *arg)
{
  dbn_desk_t *desk = arg;
  if (!learn_unit(desk)) {
    if (!desk->stopping)
      dbn_log(DBN_LOG_ERROR, "desk", "the agent at %s did not say which unit it is; no desk",
              desk->agent_endpoint);
    return NULL;
  }
  if (start_server(desk) == 0) {
    desk->watcher_running = pthread_create(&desk->watcher, NULL, watcher_main, desk) == 0;
    if (!desk->watcher_running)
      dbn_log(DBN_LOG_ERROR, "desk",
              "cannot start the watcher; the desk's pages will not update by themselves");
  }
  return NULL;
}

int
dbn_desk_new(dbn_desk_t **desk_p, const dbn_desk_options_t *options)
{
  dbn_desk_t *desk = calloc(1, sizeof *desk);
  if (!desk)
    return DBN_ENOMEM;
  desk->agent_endpoint = copy_or_null(options->agent_endpoint);
  desk->listen = copy_or_null(options->listen);
  desk->users_file = copy_or_null(options->users_file);
  desk->tls_cert = copy_or_null(options->tls_cert);
  desk->tls_key = copy_or_null(options->tls_key);
  pthread_mutex_init(&desk->lock, NULL);
  pthread_mutex_init(&desk->live_lock, NULL);
  pthread_mutex_init(&desk->read_only_lock, NULL);
  pthread_mutex_init(&desk->units_lock, NULL);
  dbn_client_options_t client_options = {.endpoint = desk->agent_endpoint, .timeout_ms = 8000};
  dbn_client_options_t watch_options = {.endpoint = desk->agent_endpoint, .timeout_ms = 3000};
  int rc = desk->agent_endpoint && desk->listen && desk->users_file
               ? dbn_client_new(&desk->client, &client_options)
               : DBN_EINVAL;
  if (rc == 0)
    rc = dbn_client_new(&desk->watch_client, &watch_options);
  if (rc == 0 && pthread_create(&desk->starter, NULL, starter_main, desk) != 0)
    rc = DBN_EINTERNAL;
  desk->starter_running = rc == 0;
  if (rc) {
    dbn_desk_destroy(&desk);
    return rc;
  }
  *desk_p = desk;
  return 0;
}

void
dbn_desk_destroy(dbn_desk_t **desk_p)
{
  dbn_desk_t *desk = desk_p ? *desk_p : NULL;
  if (!desk)
    return;
  desk->stopping = true;
  if (desk->starter_running)
    pthread_join(desk->starter, NULL);
  if (desk->watcher_running)
    pthread_join(desk->watcher, NULL);
  dbn_web_server_destroy(&desk->server);
  dbn_web_hub_destroy(&desk->hub);
  dbn_client_destroy(&desk->watch_client);
  dbn_web_sessions_destroy(&desk->sessions);
  dbn_web_users_destroy(&desk->users);
  dbn_client_destroy(&desk->client);
  pthread_mutex_destroy(&desk->lock);
  pthread_mutex_destroy(&desk->live_lock);
  pthread_mutex_destroy(&desk->read_only_lock);
  pthread_mutex_destroy(&desk->units_lock);
  dbn_wire_messages_free((void **)desk->units, desk->n_units);
  free(desk->read_only);
  free(desk->agent_endpoint);
  free(desk->listen);
  free(desk->users_file);
  free(desk->tls_cert);
  free(desk->tls_key);
  free(desk);
  *desk_p = NULL;
}
