/* test_harden_broker.c: a holder of one valid key against the real broker.
 *
 * Starts the real duban-broker with real CURVE keys (made by `duban keygen`)
 * and talks to it with raw libzmq, sending what the CLI refuses to build:
 * a plan whose task id is past LMDB's key limit, batched with another
 * unit's valid report (which must never fail because of it), and string
 * fields holding NUL bytes (which protobuf-c would cut short). */
#define _GNU_SOURCE /* memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <czmq.h>
#include <zmq.h>

#include "monotonic.h"
#include "request.h"
#include "wire.h"

#define FIXTURE_BROKER_NAME "harden"
#include "fixture_broker.h"
#include "fixture_plan.h"

static void
send_request(void *s, Duban__Request *req, char id[33])
{
  req->version = DBN_PROTOCOL_VERSION;
  dbn_wire_new_request_id(id);
  req->request_id = id;
  uint8_t *buf;
  size_t len;
  assert_int_equal(dbn_wire_pack(&req->base, &buf, &len), 0);
  assert_true(zmq_send(s, buf, len, 0) >= 0);
  free(buf);
}

/* A plan of one measure naming no unit, whose only unit is LCJ: the
 * oversized plans below differ from it only in their actions. */
static void
lcj_plan_init(fixture_plan_t *fixture, const char *id, const char *title)
{
  fixture_plan_init(fixture, id, title, "一", "措施", NULL, NULL);
  fixture_plan_add_unit(fixture, "LCJ", "市林业和草原局");
  fixture->plan.issued = "2023-09-19";
  fixture->plan.horizon = "2023-12-31";
}

static void
claim_lcj(void *lcj)
{
  BODY(req, Claim, CLAIM, claim);
  claim.task = TASK_LCJ;
  req.claim = &claim;
  expect(lcj, &req, DUBAN__CODE__CODE_OK, NULL);
}

/* Defect: an admin's plan with a 607-byte task id failed the whole
 * group-commit batch with an I/O error, and a unit's valid report in the
 * same batch was refused as unavailable (12 times in 20). Both requests are
 * sent before either is answered, so the broker reads them into one batch
 * whenever they arrive together; the report must succeed every time. */
static void
test_oversized_task_id_does_not_fail_its_batch(void **state)
{
  (void)state;
  void *admin = connect_as("admin-admin");
  void *lcj = connect_as("unit-LCJ");
  claim_lcj(lcj);
  char long_id[700];
  int rounds = 20;
  for (int i = 1; i <= rounds; i++) {
    char plan_id[32];
    snprintf(plan_id, sizeof plan_id, "huge-%d", i);
    int n = snprintf(long_id, sizeof long_id, "%s:", plan_id);
    memset(long_id + n, 'x', 607 - (size_t)n);
    long_id[607] = '\0';
    fixture_plan_t fixture;
    lcj_plan_init(&fixture, plan_id, "超长编号");
    fixture_plan_add_action(&fixture, "超长编号的任务", "LCJ")->id = long_id;
    BODY(load, LoadPlan, LOAD_PLAN, load_plan);
    load_plan.plan = &fixture.plan;
    load.load_plan = &load_plan;
    BODY(report, Progress, PROGRESS, progress);
    progress.task = TASK_LCJ;
    progress.percent = i;
    progress.note = "按计划推进";
    report.progress = &progress;

    char load_id[33], report_id[33];
    send_request(admin, &load, load_id);
    send_request(lcj, &report, report_id);
    Duban__Reply *plan_reply = receive_reply(admin, 5000);
    Duban__Reply *report_reply = receive_reply(lcj, 5000);
    assert_non_null(plan_reply);
    assert_non_null(report_reply);
    if (report_reply->code != DUBAN__CODE__CODE_OK)
      fail_msg("round %d: the valid report was refused: %s: %s", i, dbn_wire_code_name(report_reply->code),
               report_reply->message);
    assert_int_not_equal(plan_reply->code, DUBAN__CODE__CODE_OK);
    assert_int_not_equal(plan_reply->code, DUBAN__CODE__CODE_UNAVAILABLE);
    assert_non_null(strstr(plan_reply->message, "task id"));
    dbn_wire_reply_free(&plan_reply);
    dbn_wire_reply_free(&report_reply);
  }
  zmq_close(admin);
  zmq_close(lcj);
}

/* Pack req, then overwrite the byte at the first 'X' inside the packed
 * string marker with NUL, and expect invalid_argument naming field. */
static void
expect_nul_refused(void *s, Duban__Request *req, const char *marker, const char *field)
{
  uint8_t *buf;
  size_t len;
  req->version = DBN_PROTOCOL_VERSION;
  assert_int_equal(dbn_wire_pack(&req->base, &buf, &len), 0);
  uint8_t *at = memmem(buf, len, marker, strlen(marker));
  assert_non_null(at);
  *(uint8_t *)memchr(at, 'X', strlen(marker)) = 0;
  uint64_t before = head();
  Duban__Reply *reply = call_raw(s, buf, len, 5000);
  free(buf);
  assert_non_null(reply);
  if (reply->code != DUBAN__CODE__CODE_INVALID_ARGUMENT || !strstr(reply->message, field))
    fail_msg("a NUL in '%s': wanted invalid_argument naming it, got %s: %s", field,
             dbn_wire_code_name(reply->code), reply->message);
  dbn_wire_reply_free(&reply);
  assert_int_equal(head(), before);
}

/* Defect: request ids "same\0A" and "same\0B" collided (the second was
 * answered "duplicate" and never applied), and a note was cut at its NUL. */
static void
test_nul_bytes_refused(void **state)
{
  (void)state;
  void *lcj = connect_as("unit-LCJ");
  claim_lcj(lcj);
  BODY(req, Progress, PROGRESS, progress);
  progress.task = TASK_LCJ;
  progress.percent = 10;
  progress.note = "按计划推进";
  req.progress = &progress;
  req.request_id = "sameXA";
  expect_nul_refused(lcj, &req, "sameXA", "request_id");
  req.request_id = "sameXB";
  expect_nul_refused(lcj, &req, "sameXB", "request_id");
  req.request_id = "with-a-nul-note";
  progress.note = "完成X其余部分被截断";
  expect_nul_refused(lcj, &req, "X", "note");
  /* Nested: a figure's name inside the progress report. */
  Duban__Figure figure = DUBAN__FIGURE__INIT;
  Duban__Figure *figures[] = {&figure};
  figure.what = "治沙X面积";
  figure.value = 1;
  figure.unit_of_measure = "万亩";
  progress.note = "ok";
  progress.n_figures = 1;
  progress.figures = figures;
  expect_nul_refused(lcj, &req, "治沙X", "what");
  /* The same report without a NUL is recorded: the check refuses only NULs. */
  figure.what = "治沙面积";
  req.request_id = NULL;
  expect(lcj, &req, DUBAN__CODE__CODE_OK, NULL);
  zmq_close(lcj);
}

/* Defect: a refusal told a unit which other unit owns any task id it
 * asked about. */
static void
test_refusal_does_not_name_the_owner(void **state)
{
  (void)state;
  void *lcj = connect_as("unit-LCJ");
  BODY(req, Claim, CLAIM, claim);
  claim.task = TASK_ZRJ;
  req.claim = &claim;
  expect(lcj, &req, DUBAN__CODE__CODE_PERMISSION_DENIED, "own");
  Duban__Reply *reply = call(lcj, &req);
  assert_non_null(reply);
  if (strstr(reply->message, "ZRJ") || strstr(reply->message, "自然资源"))
    fail_msg("the refusal names the task's owner: %s", reply->message);
  dbn_wire_reply_free(&reply);
  zmq_close(lcj);
}

/* Defect: after a department's certificate was removed from the clients
 * folder, its already open connection had 60 writes of 60 accepted over
 * 60 seconds. Now requests on it are refused as permission_denied within
 * 2 s of the removal (at once, in practice), and other keys are served. */
static void
test_removed_key_stops_its_open_connection(void **state)
{
  (void)state;
  void *lcj = connect_as("unit-LCJ");
  claim_lcj(lcj); /* the connection is open and served */
  char path[300];
  snprintf(path, sizeof path, "%s/keys/clients/unit-LCJ.key", fx.dir);
  assert_int_equal(unlink(path), 0);
  int64_t removed = dbn_monotonic_ms();
  int accepted = 0, refused = 0;
  int64_t first_refusal_ms = -1;
  for (int i = 0; i < 30; i++) {
    BODY(req, Progress, PROGRESS, progress);
    progress.task = TASK_LCJ;
    progress.percent = i + 1;
    req.progress = &progress;
    Duban__Reply *reply = call(lcj, &req);
    assert_non_null(reply);
    if (reply->code == DUBAN__CODE__CODE_OK) {
      accepted++;
      assert_int_equal(refused, 0); /* once refused, never served again */
    } else {
      assert_int_equal(reply->code, DUBAN__CODE__CODE_PERMISSION_DENIED);
      assert_non_null(strstr(reply->message, "removed"));
      if (refused++ == 0)
        first_refusal_ms = dbn_monotonic_ms() - removed;
    }
    dbn_wire_reply_free(&reply);
    usleep(100 * 1000);
  }
  print_message("after the key was removed: %d writes accepted, %d refused; first refusal after %lld ms\n",
                accepted, refused, (long long)first_refusal_ms);
  assert_true(refused > 0);
  assert_true(first_refusal_ms >= 0 && first_refusal_ms <= 2000);
  head(); /* admin's connection is still served */
  zmq_close(lcj);
}

/* Defect: a list reply grew with the log until it was over what a client
 * accepts. Lists come a page at a time: with a limit of one, paging
 * through the tasks by next_cursor gives every task once, in order, and
 * the last page says there is no next; a cursor that is no escalation id
 * is refused. */
static void
test_lists_come_a_page_at_a_time(void **state)
{
  (void)state;
  void *admin = connect_as("admin-admin");
  BODY(all, ListTasks, LIST_TASKS, list_all);
  all.list_tasks = &list_all;
  Duban__Reply *whole = call(admin, &all);
  assert_non_null(whole);
  assert_int_equal(whole->code, DUBAN__CODE__CODE_OK);
  assert_true(whole->n_tasks >= 2);
  assert_string_equal(whole->next_cursor, ""); /* all fit in one page */
  char cursor[DBN_MAX_ID + 1] = "";
  size_t seen = 0;
  for (int pages = 0; pages <= (int)whole->n_tasks; pages++) {
    BODY(req, ListTasks, LIST_TASKS, list);
    list.limit = 1;
    list.cursor = cursor;
    req.list_tasks = &list;
    Duban__Reply *page = call(admin, &req);
    assert_non_null(page);
    assert_int_equal(page->code, DUBAN__CODE__CODE_OK);
    assert_true(page->n_tasks <= 1);
    if (page->n_tasks == 1) {
      assert_true(seen < whole->n_tasks);
      assert_string_equal(page->tasks[0]->id, whole->tasks[seen]->id);
      seen++;
    }
    bool last = !*page->next_cursor;
    snprintf(cursor, sizeof cursor, "%s", page->next_cursor);
    dbn_wire_reply_free(&page);
    if (last)
      break;
  }
  assert_int_equal(seen, whole->n_tasks);
  dbn_wire_reply_free(&whole);

  BODY(bad, ListEscalations, LIST_ESCALATIONS, escalations);
  escalations.cursor = "第一页";
  bad.list_escalations = &escalations;
  expect(admin, &bad, DUBAN__CODE__CODE_INVALID_ARGUMENT, "cursor");
  zmq_close(admin);
}

/* Defect: a 4,194,230-byte request was accepted whose event no watcher
 * could then receive (watch failed with deadline_exceeded at that event).
 * A plan just under the 4 MiB frame limit whose event would be over
 * DBN_MAX_EVENT is refused (invalid_argument, as every size limit) and nothing is written. */
static void
test_undeliverable_event_refused(void **state)
{
  (void)state;
  enum { ACTIONS = 515, TEXT = 8100 };
  static Duban__Action actions[ACTIONS];
  static Duban__Action *action_ptrs[ACTIONS];
  static char ids[ACTIONS][32], numbers[ACTIONS][8];
  char *text = malloc(TEXT + 1);
  assert_non_null(text);
  memset(text, 'a', TEXT);
  text[TEXT] = '\0';
  for (int i = 0; i < ACTIONS; i++) {
    duban__action__init(&actions[i]);
    snprintf(ids[i], sizeof ids[i], "big-plan:1.1.%d", i + 1);
    snprintf(numbers[i], sizeof numbers[i], "%d", i + 1);
    actions[i].id = ids[i];
    actions[i].number = numbers[i];
    actions[i].text = text;
    actions[i].unit = "LCJ";
    action_ptrs[i] = &actions[i];
  }
  fixture_plan_t fixture;
  lcj_plan_init(&fixture, "big-plan", "大计划");
  fixture.measure.n_actions = ACTIONS;
  fixture.measure.actions = action_ptrs;
  BODY(load, LoadPlan, LOAD_PLAN, load_plan);
  load_plan.plan = &fixture.plan;
  load.load_plan = &load_plan;
  load.version = DBN_PROTOCOL_VERSION;
  load.request_id = "big-plan-load";
  size_t len = dbn_wire_packed_size(&load.base);
  print_message("a plan of %zu bytes (frame limit %d, event limit %d)\n", len, DBN_MAX_MESSAGE,
                DBN_MAX_EVENT);
  assert_true(len < DBN_MAX_MESSAGE && len > DBN_MAX_EVENT);
  void *admin = connect_as("admin-admin");
  expect(admin, &load, DUBAN__CODE__CODE_INVALID_ARGUMENT, "no watcher could receive it");
  free(text);
  zmq_close(admin);
}

/* Write v at out[at] as a protobuf varint (seven bits a byte, low first);
 * returns the offset after it. */
static size_t
put_varint(uint8_t *out, size_t at, uint64_t v)
{
  for (;; v >>= 7) {
    out[at++] = (uint8_t)((v & 0x7f) | (v >= 0x80 ? 0x80 : 0));
    if (v < 0x80)
      return at;
  }
}

/* Defect: a progress report padded with a 3 MiB unknown protobuf field was
 * accepted and stored. A field the .proto does not know is refused, at any
 * depth, and nothing is written; the same report without it is taken. */
static void
test_unknown_field_refused(void **state)
{
  (void)state;
  void *lcj = connect_as("unit-LCJ");
  claim_lcj(lcj);
  BODY(req, Progress, PROGRESS, progress);
  progress.task = TASK_LCJ;
  progress.percent = 40;
  req.progress = &progress;
  req.version = DBN_PROTOCOL_VERSION;
  char id[33];
  dbn_wire_new_request_id(id);
  req.request_id = id;
  uint8_t *packed;
  size_t len;
  assert_int_equal(dbn_wire_pack(&req.base, &packed, &len), 0);
  /* Field 1000, length-delimited: tag varint (1000 << 3 | 2), then a
   * varint length of 3 MiB, then the bytes. */
  size_t pad = 3 * 1024 * 1024;
  uint8_t header[8];
  size_t h = 0;
  h = put_varint(header, h, (1000u << 3) | 2);
  h = put_varint(header, h, pad);
  uint8_t *padded = malloc(len + h + pad);
  assert_non_null(padded);
  memcpy(padded, packed, len);
  memcpy(padded + len, header, h);
  memset(padded + len + h, 'x', pad);
  uint64_t before = head();
  Duban__Reply *reply = call_raw(lcj, padded, len + h + pad, 10000);
  assert_non_null(reply);
  print_message("a %zu-byte progress report with an unknown field: %s: %s\n", len + h + pad,
                dbn_wire_code_name(reply->code), reply->message);
  assert_int_equal(reply->code, DUBAN__CODE__CODE_INVALID_ARGUMENT);
  assert_non_null(strstr(reply->message, "1000"));
  dbn_wire_reply_free(&reply);
  assert_int_equal(head(), before);
  /* The same report without the padding, under the same id, is taken. */
  reply = call_raw(lcj, packed, len, 5000);
  assert_non_null(reply);
  assert_int_equal(reply->code, DUBAN__CODE__CODE_OK);
  dbn_wire_reply_free(&reply);
  free(padded);
  free(packed);
  zmq_close(lcj);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_oversized_task_id_does_not_fail_its_batch, setup, teardown),
      cmocka_unit_test_setup_teardown(test_nul_bytes_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(test_refusal_does_not_name_the_owner, setup, teardown),
      cmocka_unit_test_setup_teardown(test_removed_key_stops_its_open_connection, setup, teardown),
      cmocka_unit_test_setup_teardown(test_lists_come_a_page_at_a_time, setup, teardown),
      cmocka_unit_test_setup_teardown(test_undeliverable_event_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(test_unknown_field_refused, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
