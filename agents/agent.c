/* agent.c: the department agent's event loop; see agent.h.
 *
 * One thread, four things to watch in one zmq_poll: the ipc ROUTER where
 * CLIs send requests, the DEALER to the broker, that DEALER's connection
 * monitor, and the stop descriptor. Writes go to the outbox and then into a
 * delivery window of up to WINDOW entries, sent in key order. Order per
 * department is what matters (a progress report before its claim would be
 * refused), so:
 *  - a send that the connection cannot take stops the round; later entries
 *    wait rather than overtake;
 *  - when the connection drops, every unanswered entry is marked unsent, so
 *    on the next connection the whole unanswered tail goes out again in
 *    order before anything newer (ZeroMQ reconnects after RECONNECT_IVL,
 *    100 ms at least, long after the monitor reported the drop);
 *  - when the broker is silent, the unanswered entries are resent in order
 *    after a backoff that doubles from RESEND_MIN_MS to RESEND_MAX_MS.
 * Repeats are harmless: the same request id gets the broker's first answer.
 * The loop never spins: POLLOUT is asked for only while something waits to
 * be sent, and every timeout comes from a deadline. */
#include "agent.h"
#include "agent_metrics.h"

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <zmq.h>

#include "client.h"
#include "log.h"
#include "outbox.h"
#include "request.h"
#include "wire.h"
#include "monotonic.h"
#include "witness.h"

/* Most writes in flight to the broker at once. */
#define WINDOW 64
/* Resend the unanswered after this long without an answer, doubling. */
#define RESEND_MIN_MS 500
#define RESEND_MAX_MS 5000
/* Most CLI requests waiting for an answer at once; beyond it a CLI is told
 * to try again rather than letting a runaway script grow the agent. */
#define MAX_WAITERS 4096
/* A ZeroMQ routing id is at most 255 bytes. */
#define MAX_ROUTING_ID 255

/* One outbox entry in the delivery window. */
typedef struct {
  dbn_outbox_entry_t entry; /* owned copy of the stored request */
  int64_t sent_at;          /* when last handed to the connection; 0 = not on this connection */
} delivery_t;

/* A CLI request that waits for the broker's answer. */
typedef struct {
  char request_id[DBN_MAX_ID + 1];
  uint8_t routing_id[MAX_ROUTING_ID]; /* the CLI's DEALER, as the ROUTER names it */
  size_t routing_len;
  int64_t deadline;   /* when to stop waiting for the broker; 0 = none (a watch that streams) */
  bool write;         /* in the outbox: at the deadline the answer is "queued" */
  bool streaming;     /* a watch: every reply with this id goes to the CLI */
  uint8_t *read_data; /* owned; a read not yet handed to the connection, or NULL */
  size_t read_len;
} waiter_t;

struct dbn_agent {
  char *broker_endpoint; /* owned copies of the options */
  char *listen_endpoint;
  char *socket_path; /* the ipc socket file */
  int answer_ms;
  void *context;             /* owned; holds the router */
  void *router;              /* owned ROUTER for the CLIs */
  dbn_client_t *broker;      /* owned connection to the broker */
  void *broker_socket;       /* borrowed from broker */
  void *monitor;             /* borrowed from broker */
  bool connected;            /* the last connection event said connected */
  bool refused_logged;       /* a failed handshake was logged since the last success */
  dbn_outbox_t *outbox;      /* owned */
  delivery_t window[WINDOW]; /* pending writes in key order: [0, window_count) */
  size_t window_count;
  uint64_t window_last_key; /* the highest key taken into the window */
  bool outbox_beyond;       /* the outbox may hold entries past window_last_key */
  int resend_ms;            /* current backoff */
  int64_t last_answer;      /* when the broker last answered anything */
  waiter_t *waiters;        /* owned array of waiter_count */
  size_t waiter_count;
  size_t waiter_capacity;
  dbn_witness_t *witness;       /* owned; keeps the broker's checkpoints (NULL: no key to check them) */
  size_t refused_unseen;        /* refusals of queued commands nobody has listed (the outbox keeps them) */
  dbn_agent_metrics_t *metrics; /* --metrics; NULL without */
};

/* Codes that say "not now" rather than "no": the command stays in the
 * outbox and goes again after the backoff. */
static bool
is_transient(Duban__Code code)
{
  return code == DUBAN__CODE__CODE_UNAVAILABLE || code == DUBAN__CODE__CODE_RESOURCE_EXHAUSTED ||
         code == DUBAN__CODE__CODE_ABORTED || code == DUBAN__CODE__CODE_DEADLINE_EXCEEDED;
}

/* ---- talking to the CLIs --------------------------------------------------- */

/* Send a packed reply to one CLI. False when that CLI is gone
 * (ZMQ_ROUTER_MANDATORY reports it), so its waiter can go too. */
static bool
send_to_cli(dbn_agent_t *agent, const uint8_t *routing_id, size_t routing_len, const uint8_t *buf, size_t len)
{
  if (zmq_send(agent->router, routing_id, routing_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
    return false;
  return zmq_send(agent->router, buf, len, ZMQ_DONTWAIT) >= 0;
}

static bool
reply_to_cli(dbn_agent_t *agent, const uint8_t *routing_id, size_t routing_len, Duban__Reply *reply)
{
  reply->version = DBN_PROTOCOL_VERSION;
  /* Every answer tells the CLI of refusals it should look at (duban outbox). */
  reply->outbox_refused_unseen =
      (uint32_t)(agent->refused_unseen > UINT32_MAX ? UINT32_MAX : agent->refused_unseen);
  uint8_t *buf;
  size_t len;
  if (dbn_wire_pack(&reply->base, &buf, &len) != 0)
    return false;
  bool sent = send_to_cli(agent, routing_id, routing_len, buf, len);
  free(buf);
  return sent;
}

static void
reply_error(dbn_agent_t *agent, const uint8_t *routing_id, size_t routing_len, const char *request_id,
            Duban__Code code, const char *message)
{
  Duban__Reply reply = DUBAN__REPLY__INIT;
  reply.request_id = (char *)(request_id ? request_id : "");
  reply.code = code;
  reply.message = (char *)message;
  reply_to_cli(agent, routing_id, routing_len, &reply);
}

/* ---- waiters ----------------------------------------------------------------- */

static waiter_t *
find_waiter(dbn_agent_t *agent, const char *request_id)
{
  /* Linear: a handful of CLIs wait at any time. */
  for (size_t i = 0; i < agent->waiter_count; i++)
    if (strcmp(agent->waiters[i].request_id, request_id) == 0)
      return &agent->waiters[i];
  return NULL;
}

static void
drop_waiter(dbn_agent_t *agent, waiter_t *waiter)
{
  free(waiter->read_data);
  size_t index = (size_t)(waiter - agent->waiters);
  agent->waiters[index] = agent->waiters[--agent->waiter_count];
}

static waiter_t *
add_waiter(dbn_agent_t *agent, const char *request_id, const uint8_t *routing_id, size_t routing_len)
{
  if (agent->waiter_count == MAX_WAITERS)
    return NULL;
  if (agent->waiter_count == agent->waiter_capacity) {
    size_t capacity = agent->waiter_capacity ? agent->waiter_capacity * 2 : 16;
    waiter_t *grown = realloc(agent->waiters, capacity * sizeof *grown);
    if (!grown)
      return NULL;
    agent->waiters = grown;
    agent->waiter_capacity = capacity;
  }
  waiter_t *waiter = &agent->waiters[agent->waiter_count++];
  memset(waiter, 0, sizeof *waiter);
  snprintf(waiter->request_id, sizeof waiter->request_id, "%s", request_id);
  memcpy(waiter->routing_id, routing_id, routing_len);
  waiter->routing_len = routing_len;
  waiter->deadline = dbn_monotonic_ms() + agent->answer_ms;
  return waiter;
}

/* ---- the delivery window --------------------------------------------------- */

static void
fill_window(dbn_agent_t *agent)
{
  if (!agent->outbox_beyond || agent->window_count == WINDOW)
    return;
  dbn_outbox_entry_t entries[WINDOW];
  size_t want = WINDOW - agent->window_count, got = 0;
  int rc = dbn_outbox_peek(agent->outbox, agent->window_last_key, entries, want, &got);
  if (rc) {
    dbn_log(DBN_LOG_ERROR, "agent", "cannot read the outbox: %s", dbn_strerror(rc));
    return; /* tried again on the next turn of the loop */
  }
  for (size_t i = 0; i < got; i++) {
    agent->window[agent->window_count++] = (delivery_t){.entry = entries[i]};
    agent->window_last_key = entries[i].key;
  }
  agent->outbox_beyond = got == want;
}

static delivery_t *
find_delivery(dbn_agent_t *agent, const char *request_id)
{
  for (size_t i = 0; i < agent->window_count; i++)
    if (strcmp(agent->window[i].entry.request_id, request_id) == 0)
      return &agent->window[i];
  return NULL;
}

/* The broker answered delivery with code: it leaves the window and the
 * outbox. An applied command costs no sync to take out (the next put's
 * commit deletes it; until then a crash only makes it go again, and the
 * broker answers the repeat from its dedup table). A refusal is not in that
 * table, so a resend after a crash would be judged afresh and might now be
 * accepted: it is removed durably. */
static int
keep_refusal(dbn_agent_t *agent, const delivery_t *delivery, const Duban__Reply *reply)
{
  Duban__OutboxItem item = DUBAN__OUTBOX_ITEM__INIT;
  Duban__Request *req = NULL;
  if (dbn_wire_request_unpack(delivery->entry.data, delivery->entry.len, &req) == 0) {
    item.kind = (char *)dbn_request_name(req->body_case);
    const char *task = dbn_request_task(req);
    item.task = (char *)(task ? task : "");
  } else {
    item.kind = "unknown";
  }
  item.request_id = delivery->entry.request_id;
  item.refused = true;
  item.code = reply->code;
  item.reason = reply->message ? reply->message : "";
  item.answered_at = (int64_t)time(NULL);
  int rc = dbn_outbox_refuse(agent->outbox, delivery->entry.key, &item);
  dbn_wire_request_free(&req);
  /* Counted from the file: the oldest refusal may have made room. */
  size_t unseen = 0;
  if (rc == 0)
    agent->refused_unseen =
        dbn_outbox_refused_unseen(agent->outbox, &unseen) == 0 ? unseen : agent->refused_unseen + 1;
  return rc;
}

/* seen: the CLI that gave the command is still waiting and hears the
 * refusal itself, so it is simply removed; otherwise (the command was
 * queued and its CLI told so) the refusal is kept in the outbox for
 * `duban outbox`. */
static void
retire_delivery(dbn_agent_t *agent, delivery_t *delivery, const Duban__Reply *reply, bool seen)
{
  Duban__Code code = reply->code;
  int rc = code == DUBAN__CODE__CODE_OK ? dbn_outbox_mark_applied(agent->outbox, delivery->entry.key)
           : seen                       ? dbn_outbox_remove(agent->outbox, delivery->entry.key)
                                        : keep_refusal(agent, delivery, reply);
  if (rc && rc != DBN_ENOTFOUND)
    /* The broker has answered; a leftover entry only goes again after a
     * restart, so this is worth a line, not a stop. */
    dbn_log(DBN_LOG_ERROR, "agent", "cannot remove delivered request %s from the outbox: %s",
            delivery->entry.request_id, dbn_strerror(rc));
  dbn_outbox_entry_clear(&delivery->entry);
  size_t index = (size_t)(delivery - agent->window);
  memmove(&agent->window[index], &agent->window[index + 1],
          (agent->window_count - index - 1) * sizeof agent->window[0]);
  agent->window_count--;
}

/* Hand every not-yet-sent entry to the connection, in key order, stopping
 * at the first one it cannot take so nothing overtakes it. Reads go after:
 * their order does not matter. */
static void
send_pending(dbn_agent_t *agent, int64_t now)
{
  for (size_t i = 0; i < agent->window_count; i++) {
    delivery_t *delivery = &agent->window[i];
    if (delivery->sent_at)
      continue;
    int rc = dbn_client_send_packed(agent->broker, delivery->entry.data, delivery->entry.len, 0);
    if (rc) {
      if (rc != DBN_EUNAVAIL)
        dbn_log(DBN_LOG_ERROR, "agent", "cannot send request %s: %s", delivery->entry.request_id,
                dbn_strerror(rc));
      return;
    }
    delivery->sent_at = now;
  }
  for (size_t i = 0; i < agent->waiter_count; i++) {
    waiter_t *waiter = &agent->waiters[i];
    if (!waiter->read_data)
      continue;
    if (dbn_client_send_packed(agent->broker, waiter->read_data, waiter->read_len, 0) != 0)
      return;
    free(waiter->read_data);
    waiter->read_data = NULL;
  }
}

static bool
has_unsent(dbn_agent_t *agent)
{
  for (size_t i = 0; i < agent->window_count; i++)
    if (!agent->window[i].sent_at)
      return true;
  for (size_t i = 0; i < agent->waiter_count; i++)
    if (agent->waiters[i].read_data)
      return true;
  return false;
}

/* When the oldest unanswered entry is due for a resend, or 0 if none is. */
static int64_t
resend_due(dbn_agent_t *agent)
{
  int64_t oldest = 0;
  for (size_t i = 0; i < agent->window_count; i++) {
    int64_t sent = agent->window[i].sent_at;
    if (sent && (!oldest || sent < oldest))
      oldest = sent;
  }
  if (!oldest)
    return 0;
  int64_t since = oldest > agent->last_answer ? oldest : agent->last_answer;
  return since + agent->resend_ms;
}

static void
resend_if_due(dbn_agent_t *agent, int64_t now)
{
  int64_t due = resend_due(agent);
  if (!due || now < due)
    return;
  size_t count = 0;
  for (size_t i = 0; i < agent->window_count; i++)
    if (agent->window[i].sent_at) {
      agent->window[i].sent_at = 0;
      count++;
    }
  dbn_log(DBN_LOG_WARN, "agent", "the broker has not answered for %d ms; resending %zu request(s)",
          agent->resend_ms, count);
  dbn_client_next_endpoint(agent->broker); /* replicated brokers: try the next one */
  agent->resend_ms = agent->resend_ms * 2 > RESEND_MAX_MS ? RESEND_MAX_MS : agent->resend_ms * 2;
  agent->last_answer = now; /* measure the next backoff from this resend */
}

/* ---- requests from the CLIs ---------------------------------------------- */

static void
take_write(dbn_agent_t *agent, const uint8_t *routing_id, size_t routing_len, const Duban__Request *req,
           const uint8_t *data, size_t len)
{
  uint64_t key;
  int rc = dbn_outbox_put(agent->outbox, req->request_id, data, len, &key);
  if (rc == 0) {
    dbn_agent_metrics_put(agent->metrics, key, dbn_monotonic_ms());
    dbn_log(DBN_LOG_INFO, "agent", "stored %s %s as outbox entry %llu", dbn_request_name(req->body_case),
            req->request_id, (unsigned long long)key);
    /* The window takes it when it has room and has caught up to it. */
    if (!agent->outbox_beyond && agent->window_count < WINDOW && key > agent->window_last_key) {
      dbn_outbox_entry_t entry = {.key = key, .request_id = strdup(req->request_id), .len = len};
      entry.data = malloc(len ? len : 1);
      if (entry.request_id && entry.data) {
        memcpy(entry.data, data, len);
        agent->window[agent->window_count++] = (delivery_t){.entry = entry};
        agent->window_last_key = key;
      } else {
        dbn_outbox_entry_clear(&entry);
        agent->outbox_beyond = true; /* read it back from the outbox later */
      }
    } else {
      agent->outbox_beyond = true;
    }
  } else if (rc != DBN_EEXIST) {
    char message[256];
    snprintf(message, sizeof message,
             "the agent could not store the command in its outbox (%s); nothing was sent, try again",
             dbn_strerror(rc));
    reply_error(agent, routing_id, routing_len, req->request_id, dbn_wire_error_code(rc), message);
    return;
  }
  /* A CLI that resends an id already stored just waits for the same answer. */
  if (find_waiter(agent, req->request_id))
    return;
  waiter_t *waiter = add_waiter(agent, req->request_id, routing_id, routing_len);
  if (!waiter) {
    Duban__Reply reply = DUBAN__REPLY__INIT;
    reply.request_id = req->request_id;
    reply.queued = true;
    reply.message = "stored in the agent's outbox; it will be delivered to the broker";
    reply_to_cli(agent, routing_id, routing_len, &reply);
    return;
  }
  waiter->write = true;
}

static void
take_read(dbn_agent_t *agent, const uint8_t *routing_id, size_t routing_len, const Duban__Request *req,
          const uint8_t *data, size_t len)
{
  waiter_t *waiter = find_waiter(agent, req->request_id);
  if (waiter) {
    /* A resend by the CLI: the broker may have lost the first copy; if it
     * did not, its second answer is dropped here as stale. */
    if (!waiter->read_data)
      dbn_client_send_packed(agent->broker, data, len, 0);
    return;
  }
  waiter = add_waiter(agent, req->request_id, routing_id, routing_len);
  if (!waiter) {
    reply_error(agent, routing_id, routing_len, req->request_id, DUBAN__CODE__CODE_RESOURCE_EXHAUSTED,
                "the agent has too many requests waiting for the broker; try again shortly");
    return;
  }
  waiter->streaming = req->body_case == DUBAN__REQUEST__BODY_WATCH;
  if (dbn_client_send_packed(agent->broker, data, len, 0) == 0)
    return;
  /* No connection right now: keep a copy to send when there is one. */
  waiter->read_data = malloc(len ? len : 1);
  if (!waiter->read_data) {
    drop_waiter(agent, waiter);
    reply_error(agent, routing_id, routing_len, req->request_id, DUBAN__CODE__CODE_RESOURCE_EXHAUSTED,
                "the agent is out of memory");
    return;
  }
  memcpy(waiter->read_data, data, len);
  waiter->read_len = len;
}

/* One pending entry as an outbox item owning its strings (kind is the
 * request table's), so that the entry, which may hold megabytes of
 * evidence, is released as soon as it is read. */
static int
pending_item(const dbn_outbox_entry_t *entry, Duban__OutboxItem *item)
{
  duban__outbox_item__init(item);
  Duban__Request *request = NULL;
  const char *task = "";
  item->kind = "unknown";
  if (dbn_wire_request_unpack(entry->data, entry->len, &request) == 0) {
    item->kind = (char *)dbn_request_name(request->body_case);
    task = dbn_request_task(request) ? dbn_request_task(request) : "";
  }
  item->request_id = strdup(entry->request_id);
  item->task = strdup(task);
  dbn_wire_request_free(&request);
  return item->request_id && item->task ? 0 : DBN_ENOMEM;
}

/* Up to max pending commands as items, read a few entries at a time. */
static int
pending_items(dbn_outbox_t *outbox, Duban__OutboxItem *items, size_t max, size_t *count_p)
{
  enum { PAGE = 16 };
  uint64_t after = 0;
  int rc = 0;
  *count_p = 0;
  while (rc == 0 && *count_p < max) {
    dbn_outbox_entry_t page[PAGE];
    size_t got = 0, want = max - *count_p < PAGE ? max - *count_p : PAGE;
    if ((rc = dbn_outbox_peek(outbox, after, page, want, &got)) != 0 || got == 0)
      break;
    for (size_t i = 0; i < got; i++) {
      if (rc == 0)
        rc = pending_item(&page[i], &items[(*count_p)++]);
      after = page[i].key;
      dbn_outbox_entry_clear(&page[i]);
    }
  }
  return rc;
}

/* ListOutbox, answered here: the commands still pending, in order, then
 * the refusals the outbox keeps, oldest first. */
static void
answer_list_outbox(dbn_agent_t *agent, const uint8_t *routing_id, size_t routing_len,
                   const Duban__Request *req)
{
  enum { MAX_PENDING = 1000 };
  Duban__OutboxItem *pending = calloc(MAX_PENDING, sizeof *pending);
  Duban__OutboxItem **refused = NULL;
  size_t n_pending = 0, n_refused = 0;
  int rc = pending ? 0 : DBN_ENOMEM;
  if (rc == 0)
    rc = pending_items(agent->outbox, pending, MAX_PENDING, &n_pending);
  if (rc == 0)
    rc = dbn_outbox_refused_list(agent->outbox, &refused, &n_refused);
  Duban__OutboxItem **items = rc ? NULL : calloc(n_pending + n_refused + 1, sizeof *items);
  if (rc == 0 && !items)
    rc = DBN_ENOMEM;
  if (rc) {
    char message[256];
    snprintf(message, sizeof message, "the agent cannot read its outbox: %s", dbn_strerror(rc));
    reply_error(agent, routing_id, routing_len, req->request_id, dbn_wire_error_code(rc), message);
  } else {
    for (size_t i = 0; i < n_pending; i++)
      items[i] = &pending[i];
    for (size_t i = 0; i < n_refused; i++)
      items[n_pending + i] = refused[i];
    if (req->list_outbox->mark_seen) {
      int marked = dbn_outbox_refused_mark_seen(agent->outbox);
      if (marked == 0)
        agent->refused_unseen = 0;
      else
        dbn_log(DBN_LOG_ERROR, "agent", "cannot mark the refusals seen: %s", dbn_strerror(marked));
    }
    Duban__Reply reply = DUBAN__REPLY__INIT;
    reply.request_id = req->request_id;
    reply.outbox = items;
    reply.n_outbox = n_pending + n_refused;
    reply_to_cli(agent, routing_id, routing_len, &reply);
  }
  for (size_t i = 0; pending && i < n_pending; i++) {
    free(pending[i].request_id);
    free(pending[i].task);
  }
  dbn_outbox_items_free(refused, n_refused);
  free(items);
  free(pending);
}

/* The department's own signature goes on a write before it is kept in the
 * outbox, so a resend after a restart carries the same one. */
static void
take_signed_write(dbn_agent_t *agent, const uint8_t *routing_id, size_t routing_len, Duban__Request *req,
                  const uint8_t *data, size_t len)
{
  if (!dbn_client_signs(agent->broker)) {
    take_write(agent, routing_id, routing_len, req, data, len);
    return;
  }
  uint8_t *signed_data = NULL;
  size_t signed_len = 0;
  char *plan_id = req->plan_id, *key_id = req->signer_key_id; /* req's own, freed with it */
  int rc = dbn_client_sign(agent->broker, req);
  if (rc == 0)
    rc = dbn_wire_pack(&req->base, &signed_data, &signed_len);
  if (rc)
    reply_error(agent, routing_id, routing_len, req->request_id, dbn_wire_error_code(rc),
                "本部门代理无法为这次写入签名，请查看代理日志");
  else
    take_write(agent, routing_id, routing_len, req, signed_data, signed_len);
  /* The signature's buffers are the client's, not req's: put req's own back before it is freed. */
  req->signature.data = NULL;
  req->signature.len = 0;
  req->signer_key_id = key_id;
  req->plan_id = plan_id;
  free(signed_data);
}

static void
on_cli_request(dbn_agent_t *agent)
{
  zmq_msg_t routing, body;
  zmq_msg_init(&routing);
  zmq_msg_init(&body);
  if (zmq_msg_recv(&routing, agent->router, ZMQ_DONTWAIT) < 0)
    goto done;
  if (!zmq_msg_more(&routing) || zmq_msg_recv(&body, agent->router, ZMQ_DONTWAIT) < 0)
    goto done;
  while (zmq_msg_more(&body)) { /* more than one frame: not a duban client; drain it */
    zmq_msg_t rest;
    zmq_msg_init(&rest);
    int more = zmq_msg_recv(&rest, agent->router, 0) >= 0 && zmq_msg_more(&rest);
    zmq_msg_close(&rest);
    if (!more)
      goto done;
  }
  const uint8_t *routing_id = zmq_msg_data(&routing);
  size_t routing_len = zmq_msg_size(&routing);
  if (routing_len > MAX_ROUTING_ID)
    goto done;
  const uint8_t *data = zmq_msg_data(&body);
  size_t len = zmq_msg_size(&body);
  Duban__Request *req = NULL;
  int rc = dbn_wire_request_unpack(data, len, &req);
  if (rc) {
    reply_error(agent, routing_id, routing_len, "", DUBAN__CODE__CODE_INVALID_ARGUMENT,
                "the agent could not decode the request; is the CLI the same duban version?");
    goto done;
  }
  char why[256] = "";
  rc = dbn_wire_request_check(req, why, sizeof why);
  /* The one table of request kinds says which go through the outbox; the
   * check above already refuses a body it does not know. */
  const dbn_request_kind_t *kind = rc ? NULL : dbn_request_kind(req->body_case);
  if (rc == 0 && req->body_case == DUBAN__REQUEST__BODY_LIST_OUTBOX)
    answer_list_outbox(agent, routing_id, routing_len, req);
  else if (rc)
    reply_error(agent, routing_id, routing_len, req->request_id, dbn_wire_error_code(rc), why);
  else if (!kind)
    reply_error(agent, routing_id, routing_len, req->request_id, DUBAN__CODE__CODE_INVALID_ARGUMENT,
                "the agent does not know this kind of request; is the CLI the same duban version?");
  else if (kind->write)
    take_signed_write(agent, routing_id, routing_len, req, data, len);
  else
    take_read(agent, routing_id, routing_len, req, data, len);
  dbn_wire_request_free(&req);
done:
  zmq_msg_close(&routing);
  zmq_msg_close(&body);
}

/* ---- answers from the broker --------------------------------------------- */

static void
on_broker_reply(dbn_agent_t *agent, int64_t now)
{
  Duban__Reply *reply = NULL;
  int rc = dbn_client_recv(agent->broker, &reply, 0);
  if (rc) {
    if (rc != DBN_ETIMEDOUT)
      dbn_log(DBN_LOG_WARN, "agent", "dropped an unreadable message from the broker: %s", dbn_strerror(rc));
    return;
  }
  agent->last_answer = now;
  dbn_witness_take(agent->witness, reply);
  const char *request_id = reply->request_id ? reply->request_id : "";
  delivery_t *delivery = find_delivery(agent, request_id);
  if (delivery && is_transient(reply->code)) {
    /* "Not now": keep it and try again after the backoff; the CLI will
     * hear "queued" when its wait is over. */
    dbn_log(DBN_LOG_WARN, "agent", "the broker could not take %s now (%s: %s); it stays in the outbox",
            request_id, dbn_wire_code_name(reply->code), reply->message ? reply->message : "");
    delivery->sent_at = now; /* due again after the current backoff, which keeps doubling */
    dbn_client_follow_leader(agent->broker, reply); /* a follower named the leader: go there */
    dbn_wire_reply_free(&reply);
    return;
  }
  agent->resend_ms = RESEND_MIN_MS; /* the broker is back to answering */
  if (delivery) {
    if (reply->code != DUBAN__CODE__CODE_OK)
      /* A refusal is an answer: retrying cannot change it. */
      dbn_log(DBN_LOG_WARN, "agent", "the broker refused %s (%s): %s", request_id,
              dbn_wire_code_name(reply->code), reply->message ? reply->message : "");
    else
      dbn_log(DBN_LOG_INFO, "agent", "delivered %s as event %llu%s", request_id,
              (unsigned long long)reply->seq, reply->duplicate ? " (a repeat, answered from the first)" : "");
    waiter_t *waiting = find_waiter(agent, request_id);
    retire_delivery(agent, delivery, reply, waiting && !waiting->streaming);
  }
  waiter_t *waiter = find_waiter(agent, request_id);
  if (waiter) {
    bool alive = reply_to_cli(agent, waiter->routing_id, waiter->routing_len, reply);
    if (waiter->streaming && alive && reply->code == DUBAN__CODE__CODE_OK)
      waiter->deadline = 0; /* a watch: keep forwarding for as long as the CLI listens */
    else
      drop_waiter(agent, waiter);
  }
  dbn_wire_reply_free(&reply);
}

static void
on_connection_event(dbn_agent_t *agent)
{
  enum dbn_client_event event;
  while (dbn_client_monitor_read(agent->broker, &event) == 0 && event != DBN_CLIENT_EVENT_NONE) {
    switch (event) {
    case DBN_CLIENT_EVENT_CONNECTED:
      dbn_log(DBN_LOG_INFO, "agent", "connected to the broker at %s", agent->broker_endpoint);
      agent->connected = true;
      agent->refused_logged = false;
      agent->resend_ms = RESEND_MIN_MS;
      break;
    case DBN_CLIENT_EVENT_DISCONNECTED: {
      /* Whatever went out on the lost connection may be lost with it:
       * send the whole unanswered tail again, in order, on the next one. */
      size_t count = 0;
      for (size_t i = 0; i < agent->window_count; i++)
        if (agent->window[i].sent_at) {
          agent->window[i].sent_at = 0;
          count++;
        }
      dbn_log(DBN_LOG_WARN, "agent", "lost the broker connection; %zu unanswered request(s) will be resent",
              count);
      agent->connected = false;
      break;
    }
    case DBN_CLIENT_EVENT_REFUSED:
      if (!agent->refused_logged)
        dbn_log(DBN_LOG_ERROR, "agent",
                "the handshake with the broker at %s failed: check the broker's public key and that "
                "the broker knows this department's key",
                agent->broker_endpoint);
      agent->refused_logged = true;
      break;
    default: break;
    }
  }
}

/* Answer every waiter whose time is up, and say when the next one is. */
static int64_t
expire_waiters(dbn_agent_t *agent, int64_t now)
{
  int64_t next = 0;
  for (size_t i = 0; i < agent->waiter_count;) {
    waiter_t *waiter = &agent->waiters[i];
    if (!waiter->deadline || now < waiter->deadline) {
      if (waiter->deadline && (!next || waiter->deadline < next))
        next = waiter->deadline;
      i++;
      continue;
    }
    Duban__Reply reply = DUBAN__REPLY__INIT;
    reply.request_id = waiter->request_id;
    char message[512];
    if (waiter->write) {
      size_t pending = 0;
      dbn_outbox_count(agent->outbox, &pending);
      snprintf(message, sizeof message,
               "stored in the agent's outbox and will be delivered when the broker answers "
               "(%zu command(s) waiting); it will take effect once",
               pending);
      reply.queued = true;
    } else {
      snprintf(message, sizeof message,
               "the broker at %s did not answer within %d ms; the agent keeps reconnecting, try again later",
               agent->broker_endpoint, agent->answer_ms);
      reply.code = DUBAN__CODE__CODE_UNAVAILABLE;
    }
    reply.message = message;
    reply_to_cli(agent, waiter->routing_id, waiter->routing_len, &reply);
    drop_waiter(agent, waiter); /* moves the last waiter into slot i */
  }
  return next;
}

/* ---- life cycle -------------------------------------------------------------- */

static char *
copy_string(const char *text)
{
  return text ? strdup(text) : NULL;
}

static int
check_options(const dbn_agent_options_t *options)
{
  if (!options->broker_endpoint || !options->server_cert || !options->client_cert ||
      !options->listen_endpoint || !options->data_dir)
    return DBN_EINVAL;
  if (strncmp(options->listen_endpoint, "ipc://", 6) != 0) {
    dbn_log(DBN_LOG_ERROR, "agent", "--listen must be an ipc:// endpoint (its file permissions guard it)");
    return DBN_EINVAL;
  }
  return 0;
}

static int
open_outbox(dbn_agent_t *agent, const char *data_dir)
{
  int rc = dbn_outbox_open(&agent->outbox, data_dir);
  if (rc)
    return rc;
  size_t pending = 0;
  if (dbn_outbox_count(agent->outbox, &pending) == 0 && pending)
    dbn_log(DBN_LOG_INFO, "agent", "%zu command(s) in the outbox from an earlier run will be delivered",
            pending);
  if (dbn_outbox_refused_unseen(agent->outbox, &agent->refused_unseen) != 0)
    agent->refused_unseen = 0; /* only the notice is lost; `duban outbox` reads the file */
  return 0;
}

static int
connect_to_broker(dbn_agent_t *agent, const dbn_agent_options_t *options)
{
  dbn_client_options_t client_options = {
      .endpoint = options->broker_endpoint,
      .server_cert = options->server_cert,
      .client_cert = options->client_cert,
  };
  int rc = dbn_client_new(&agent->broker, &client_options);
  if (rc)
    return rc;
  agent->broker_socket = dbn_client_socket(agent->broker);
  rc = dbn_client_monitor(agent->broker, &agent->monitor);
  if (rc)
    dbn_log(DBN_LOG_ERROR, "agent", "cannot watch the broker connection: %s", dbn_strerror(rc));
  return rc;
}

/* Set an option of the CLIs' ROUTER; on failure say which. */
static int
set_router_option(dbn_agent_t *agent, int option, const char *name, const void *value, size_t len)
{
  if (zmq_setsockopt(agent->router, option, value, len) == 0)
    return 0;
  dbn_log(DBN_LOG_ERROR, "agent", "cannot set %s on the socket for the CLI: %s", name, zmq_strerror(errno));
  return DBN_EIO;
}

/* The ROUTER the CLIs talk to. ZMQ_ROUTER_MANDATORY makes a reply to a CLI
 * that has gone fail, so its waiter goes too; ZMQ_MAXMSGSIZE bounds what a
 * local client can make the agent hold. */
static int
make_router(dbn_agent_t *agent)
{
  agent->context = zmq_ctx_new();
  if (!agent->context)
    return DBN_EIO;
  agent->router = zmq_socket(agent->context, ZMQ_ROUTER);
  if (!agent->router)
    return DBN_EIO;
  int linger = 0, mandatory = 1;
  int64_t max_message = DBN_MAX_MESSAGE;
  int rc = set_router_option(agent, ZMQ_LINGER, "ZMQ_LINGER", &linger, sizeof linger);
  if (rc == 0)
    rc = set_router_option(agent, ZMQ_ROUTER_MANDATORY, "ZMQ_ROUTER_MANDATORY", &mandatory, sizeof mandatory);
  if (rc == 0)
    rc = set_router_option(agent, ZMQ_MAXMSGSIZE, "ZMQ_MAXMSGSIZE", &max_message, sizeof max_message);
  return rc;
}

static int
listen_for_clis(dbn_agent_t *agent)
{
  int rc = make_router(agent);
  if (rc)
    return rc;
  /* The socket file must never exist with wider permissions, not even for
   * the moment between bind and chmod: narrow the umask around the bind.
   * zmq_bind creates the file in this thread, and no other thread of ours
   * creates files now. */
  mode_t old_mask = umask(0117);
  int bound = zmq_bind(agent->router, agent->listen_endpoint);
  int bind_errno = errno;
  umask(old_mask);
  if (bound != 0) {
    dbn_log(DBN_LOG_ERROR, "agent", "cannot listen on %s: %s", agent->listen_endpoint,
            zmq_strerror(bind_errno));
    return DBN_EIO;
  }
  if (chmod(agent->socket_path, 0660) != 0)
    dbn_log(DBN_LOG_WARN, "agent", "cannot chmod %s: %s", agent->socket_path, strerror(errno));
  return 0;
}

/* The broker's checkpoints go to DATA/witness (agents/witness.h). */
static int
open_witness(dbn_agent_t *agent, const dbn_agent_options_t *options)
{
  char dir[PATH_MAX];
  if (snprintf(dir, sizeof dir, "%s/witness", options->data_dir) >= (int)sizeof dir)
    return DBN_EINVAL;
  return dbn_witness_open(&agent->witness, dir, options->server_cert);
}

int
dbn_agent_new(dbn_agent_t **agent_p, const dbn_agent_options_t *options)
{
  assert(agent_p && options);
  int rc = check_options(options);
  if (rc)
    return rc;
  dbn_agent_t *agent = calloc(1, sizeof *agent);
  if (!agent)
    return DBN_ENOMEM;
  agent->answer_ms = options->answer_ms > 0 ? options->answer_ms : 2000;
  agent->resend_ms = RESEND_MIN_MS;
  agent->outbox_beyond = true; /* whatever an earlier run left */
  agent->broker_endpoint = copy_string(options->broker_endpoint);
  agent->listen_endpoint = copy_string(options->listen_endpoint);
  agent->socket_path = copy_string(options->listen_endpoint + 6);
  rc = DBN_ENOMEM;
  if (agent->broker_endpoint && agent->listen_endpoint && agent->socket_path)
    rc = open_outbox(agent, options->data_dir);
  if (rc == 0 && options->metrics_listen)
    rc = dbn_agent_metrics_new(&agent->metrics, options->metrics_listen);
  if (rc == 0)
    rc = open_witness(agent, options);
  if (rc == 0)
    rc = connect_to_broker(agent, options);
  if (rc == 0)
    dbn_client_cosign_into(agent->broker, agent->witness); /* the department's word that it held them */
  if (rc == 0)
    rc = listen_for_clis(agent);
  if (rc) {
    dbn_agent_destroy(&agent);
    return rc;
  }
  dbn_log(DBN_LOG_INFO, "agent", "listening on %s; delivering to %s", agent->listen_endpoint,
          agent->broker_endpoint);
  *agent_p = agent;
  return 0;
}

void
dbn_agent_destroy(dbn_agent_t **agent_p)
{
  if (!agent_p || !*agent_p)
    return;
  dbn_agent_t *agent = *agent_p;
  for (size_t i = 0; i < agent->window_count; i++)
    dbn_outbox_entry_clear(&agent->window[i].entry);
  for (size_t i = 0; i < agent->waiter_count; i++)
    free(agent->waiters[i].read_data);
  free(agent->waiters);
  if (agent->router)
    zmq_close(agent->router);
  if (agent->context)
    zmq_ctx_term(agent->context);
  dbn_client_destroy(&agent->broker);
  dbn_agent_metrics_destroy(&agent->metrics);
  dbn_outbox_close(&agent->outbox);
  dbn_witness_close(&agent->witness);
  free(agent->broker_endpoint);
  free(agent->listen_endpoint);
  free(agent->socket_path);
  free(agent);
  *agent_p = NULL;
}

/* A clean stop: delete what the broker applied, so the next run does not
 * resend it (dbn_outbox_close would too; a failure only means a resend
 * answered as a repeat), and tell every CLI still waiting where its request
 * stands. */
static void
stop_cleanly(dbn_agent_t *agent)
{
  int rc = dbn_outbox_flush(agent->outbox);
  if (rc)
    dbn_log(DBN_LOG_WARN, "agent", "cannot delete the delivered commands from the outbox: %s",
            dbn_strerror(rc));
  size_t pending = 0;
  dbn_outbox_count(agent->outbox, &pending);
  dbn_log(DBN_LOG_INFO, "agent", "stopping; %zu command(s) stay in the outbox for the next run", pending);
  for (size_t i = 0; i < agent->waiter_count; i++) {
    waiter_t *waiter = &agent->waiters[i];
    Duban__Reply reply = DUBAN__REPLY__INIT;
    reply.request_id = waiter->request_id;
    if (waiter->write) {
      reply.queued = true;
      reply.message =
          "stored in the agent's outbox; the agent is stopping and delivers it when it runs again";
    } else {
      reply.code = DUBAN__CODE__CODE_UNAVAILABLE;
      reply.message = "the agent is stopping; try again when it runs";
    }
    reply_to_cli(agent, waiter->routing_id, waiter->routing_len, &reply);
  }
}

int
dbn_agent_run(dbn_agent_t *agent, int stop_fd)
{
  assert(agent);
  for (;;) {
    int64_t now = dbn_monotonic_ms();
    fill_window(agent);
    resend_if_due(agent, now);
    send_pending(agent, now);
    int64_t next = expire_waiters(agent, now);
    int64_t due = resend_due(agent);
    if (due && (!next || due < next))
      next = due;
    /* Wake at least once a second: the outbox may need a retry after a
     * read error, and a clock step should not leave us asleep. */
    int timeout = 1000;
    if (next) {
      int64_t wait = next - now;
      timeout = wait < 0 ? 0 : wait < timeout ? (int)wait : timeout;
    }
    zmq_pollitem_t items[] = {
        {.socket = agent->router, .events = ZMQ_POLLIN},
        {.socket = agent->broker_socket, .events = ZMQ_POLLIN | (has_unsent(agent) ? ZMQ_POLLOUT : 0)},
        {.socket = agent->monitor, .events = ZMQ_POLLIN},
        {.fd = stop_fd, .events = ZMQ_POLLIN},
    };
    int n = zmq_poll(items, stop_fd >= 0 ? 4 : 3, timeout);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      dbn_log(DBN_LOG_ERROR, "agent", "poll failed: %s", zmq_strerror(errno));
      return DBN_EIO;
    }
    now = dbn_monotonic_ms();
    if (items[2].revents & ZMQ_POLLIN)
      on_connection_event(agent); /* first: a drop must be known before anything is sent again */
    /* Bounded batches keep one busy side from starving the other. */
    for (int i = 0; i < 256 && (items[1].revents & ZMQ_POLLIN); i++) {
      on_broker_reply(agent, now);
      zmq_pollitem_t more = {.socket = agent->broker_socket, .events = ZMQ_POLLIN};
      if (zmq_poll(&more, 1, 0) <= 0)
        break;
    }
    fill_window(agent);
    for (int i = 0; i < 256 && (items[0].revents & ZMQ_POLLIN); i++) {
      on_cli_request(agent);
      zmq_pollitem_t more = {.socket = agent->router, .events = ZMQ_POLLIN};
      if (zmq_poll(&more, 1, 0) <= 0)
        break;
    }
    dbn_agent_metrics_tick(agent->metrics, agent->outbox, dbn_monotonic_ms());
    if (stop_fd >= 0 && (items[3].revents & ZMQ_POLLIN)) {
      stop_cleanly(agent);
      return 0;
    }
  }
}
