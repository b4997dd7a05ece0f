/* test_wire.c: the wire module: requests and replies survive a round trip,
 * the stateless checks refuse what they must (version, request id, unknown
 * body, bad UTF-8, over-long strings, percent and figures out of range) with
 * a message a person can act on, undecodable bytes are an error and never a
 * crash, watch deliveries built from stored events decode as Replies, and
 * the text helpers measure Chinese as two columns. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "request.h"
#include "wire.h"

static Duban__Request *
round_trip(Duban__Request *req)
{
  uint8_t *buf;
  size_t len;
  assert_int_equal(dbn_wire_pack(&req->base, &buf, &len), 0);
  Duban__Request *back;
  assert_int_equal(dbn_wire_request_unpack(buf, len, &back), 0);
  free(buf);
  return back;
}

static void
test_progress_round_trip(void **state)
{
  (void)state;
  Duban__Figure figure = DUBAN__FIGURE__INIT;
  figure.what = "公共充电桩";
  figure.value = 5000;
  figure.unit_of_measure = "个";
  Duban__Figure *figures[] = {&figure};
  Duban__Progress progress = DUBAN__PROGRESS__INIT;
  progress.task = "ordos-2023-58:4.6.2";
  progress.percent = 40;
  progress.note = "已纳入省道路网规划";
  progress.n_figures = 1;
  progress.figures = figures;
  Duban__Request req = DUBAN__REQUEST__INIT;
  req.version = DBN_PROTOCOL_VERSION;
  req.request_id = "r-1";
  req.body_case = DUBAN__REQUEST__BODY_PROGRESS;
  req.progress = &progress;

  Duban__Request *back = round_trip(&req);
  assert_int_equal(back->body_case, DUBAN__REQUEST__BODY_PROGRESS);
  assert_string_equal(back->progress->task, "ordos-2023-58:4.6.2");
  assert_int_equal(back->progress->percent, 40);
  assert_string_equal(back->progress->figures[0]->what, "公共充电桩");
  assert_true(back->progress->figures[0]->value == 5000);
  char why[256];
  assert_int_equal(dbn_wire_request_check(back, why, sizeof why), 0);
  dbn_wire_request_free(&back);
  assert_null(back);
  dbn_wire_request_free(&back); /* NULL is fine */
}

/* Each row: a request that must be refused, the code, and a word the
 * message must contain so that a person knows what to fix. */
struct refusal {
  const char *name;
  uint32_t version;
  const char *request_id;
  Duban__Request__BodyCase body;
  int percent;
  double figure;
  const char *note;
  int code;
  const char *says;
};

static void
test_refusals(void **state)
{
  (void)state;
  static char long_note[DBN_MAX_TEXT + 2];
  memset(long_note, 'x', sizeof long_note - 1);
  long_note[sizeof long_note - 1] = '\0';
  static char long_id[DBN_MAX_ID + 2];
  memset(long_id, 'i', sizeof long_id - 1);
  long_id[sizeof long_id - 1] = '\0';
  const struct refusal cases[] = {
      {"version 2", 2, "r", DUBAN__REQUEST__BODY_PROGRESS, 5, 1, "", DBN_EVERSION, "version 2"},
      {"version 0", 0, "r", DUBAN__REQUEST__BODY_PROGRESS, 5, 1, "", DBN_EVERSION, "version"},
      {"no request id", 1, "", DUBAN__REQUEST__BODY_PROGRESS, 5, 1, "", DBN_EINVAL, "request id"},
      {"long request id", 1, long_id, DUBAN__REQUEST__BODY_PROGRESS, 5, 1, "", DBN_ETOOBIG, "request id"},
      {"no body", 1, "r", DUBAN__REQUEST__BODY__NOT_SET, 5, 1, "", DBN_EINVAL, "unknown"},
      {"percent -1", 1, "r", DUBAN__REQUEST__BODY_PROGRESS, -1, 1, "", DBN_EINVAL, "percent"},
      {"percent 101", 1, "r", DUBAN__REQUEST__BODY_PROGRESS, 101, 1, "", DBN_EINVAL, "percent"},
      {"figure inf", 1, "r", DUBAN__REQUEST__BODY_PROGRESS, 5, INFINITY, "", DBN_EINVAL, "finite"},
      {"figure nan", 1, "r", DUBAN__REQUEST__BODY_PROGRESS, 5, NAN, "", DBN_EINVAL, "finite"},
      {"figure 1e16", 1, "r", DUBAN__REQUEST__BODY_PROGRESS, 5, 1e16, "", DBN_EINVAL, "finite"},
      {"note too long", 1, "r", DUBAN__REQUEST__BODY_PROGRESS, 5, 1, long_note, DBN_ETOOBIG, "note"},
      {"note not UTF-8", 1, "r", DUBAN__REQUEST__BODY_PROGRESS, 5, 1, "\xe5\xb8", DBN_EINVAL, "UTF-8"},
      {"note with NUL-less control", 1, "r", DUBAN__REQUEST__BODY_PROGRESS, 5, 1, "a\x01z", DBN_EINVAL,
       "UTF-8"},
      {"overlong slash", 1, "r", DUBAN__REQUEST__BODY_PROGRESS, 5, 1, "\xc0\xaf", DBN_EINVAL, "UTF-8"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const struct refusal *c = &cases[i];
    Duban__Figure figure = DUBAN__FIGURE__INIT;
    figure.what = "充电桩";
    figure.value = c->figure;
    Duban__Figure *figures[] = {&figure};
    Duban__Progress progress = DUBAN__PROGRESS__INIT;
    progress.task = "t:1.1.1";
    progress.percent = c->percent;
    progress.note = (char *)c->note;
    progress.n_figures = 1;
    progress.figures = figures;
    Duban__Request req = DUBAN__REQUEST__INIT;
    req.version = c->version;
    req.request_id = (char *)c->request_id;
    req.body_case = c->body;
    if (c->body == DUBAN__REQUEST__BODY_PROGRESS)
      req.progress = &progress;
    char why[512] = "";
    int rc = dbn_wire_request_check(&req, why, sizeof why);
    if (rc != c->code || !strstr(why, c->says)) {
      fprintf(stderr, "case '%s': got %d '%s', wanted %d with '%s'\n", c->name, rc, why, c->code, c->says);
      fail();
    }
  }
}

static void
test_garbage_does_not_decode(void **state)
{
  (void)state;
  /* Deterministic pseudo-random bytes: never a crash, usually an error. */
  uint32_t x = 12345;
  uint8_t buf[257];
  for (int round = 0; round < 2000; round++) {
    size_t len = (size_t)(x % sizeof buf);
    for (size_t i = 0; i < len; i++) {
      x = x * 1103515245u + 12345u;
      buf[i] = (uint8_t)(x >> 16);
    }
    Duban__Request *req = NULL;
    if (dbn_wire_request_unpack(buf, len, &req) == 0) {
      char why[256];
      (void)dbn_wire_request_check(req, why, sizeof why);
      dbn_wire_request_free(&req);
    }
  }
  const uint8_t truncated[] = {0x12, 0x10, 'a', 'b'}; /* field 2, length 16, two bytes */
  Duban__Request *req = NULL;
  assert_int_equal(dbn_wire_request_unpack(truncated, sizeof truncated, &req), DBN_EPROTO);
  assert_null(req);
  assert_int_equal(dbn_wire_request_unpack(truncated, DBN_MAX_MESSAGE + 1, &req), DBN_ETOOBIG);
}

static void
test_delivery_entries_decode_as_reply(void **state)
{
  (void)state;
  Duban__Claim claim = DUBAN__CLAIM__INIT;
  claim.task = "t:1.1.1";
  Duban__Event events[3];
  uint8_t *packed[3];
  size_t lens[3];
  for (int i = 0; i < 3; i++) {
    duban__event__init(&events[i]);
    events[i].seq = (uint64_t)(41 + i);
    events[i].actor = "unit:LCJ";
    events[i].body_case = DUBAN__EVENT__BODY_CLAIMED;
    events[i].claimed = &claim;
    assert_int_equal(dbn_wire_pack(&events[i].base, &packed[i], &lens[i]), 0);
  }
  Duban__Reply header = DUBAN__REPLY__INIT;
  header.version = DBN_PROTOCOL_VERSION;
  header.request_id = "watch-1";
  uint8_t *head;
  size_t head_len;
  assert_int_equal(dbn_wire_pack(&header.base, &head, &head_len), 0);
  uint8_t buf[4096];
  size_t used = head_len;
  memcpy(buf, head, head_len);
  free(head);
  for (int i = 0; i < 3; i++) {
    assert_true(used + dbn_wire_event_entry_size(lens[i]) <= sizeof buf);
    used += dbn_wire_event_entry_write(buf + used, packed[i], lens[i]);
    free(packed[i]);
  }
  Duban__Reply *reply;
  assert_int_equal(dbn_wire_reply_unpack(buf, used, &reply), 0);
  assert_string_equal(reply->request_id, "watch-1");
  assert_int_equal(reply->n_events, 3);
  for (int i = 0; i < 3; i++) {
    assert_int_equal(reply->events[i]->seq, 41 + i);
    assert_string_equal(reply->events[i]->claimed->task, "t:1.1.1");
  }
  dbn_wire_reply_free(&reply);
  /* An event of 300 bytes needs a two-byte length. */
  assert_int_equal(dbn_wire_event_entry_size(300), 1 + 2 + 300);
}

static void
test_event_peek_matches_unpack(void **state)
{
  (void)state;
  uint8_t hash[32];
  for (int i = 0; i < 32; i++)
    hash[i] = (uint8_t)(i * 7);
  Duban__Claim claim = DUBAN__CLAIM__INIT;
  claim.task = "ordos-2023-58:1.1.1";
  Duban__Event event = DUBAN__EVENT__INIT;
  event.version = 1;
  event.seq = 300000; /* a three-byte varint */
  event.time = 1700000000;
  event.actor = "unit:LCJ";
  event.prev_hash.data = hash;
  event.prev_hash.len = sizeof hash;
  event.request_id = "r-9";
  event.body_case = DUBAN__EVENT__BODY_CLAIMED;
  event.claimed = &claim;
  uint8_t *buf;
  size_t len;
  assert_int_equal(dbn_wire_pack(&event.base, &buf, &len), 0);
  uint64_t seq;
  const uint8_t *prev;
  size_t prev_len;
  assert_int_equal(dbn_wire_event_peek(buf, len, &seq, &prev, &prev_len), 0);
  assert_int_equal(seq, 300000);
  assert_int_equal(prev_len, 32);
  assert_memory_equal(prev, hash, 32);
  /* Every truncation is refused or read without running past the end. */
  for (size_t cut = 0; cut < len; cut++)
    (void)dbn_wire_event_peek(buf, cut, &seq, &prev, &prev_len);
  assert_int_equal(dbn_wire_event_peek(buf, len - 1, &seq, &prev, &prev_len), DBN_EPROTO);
  const uint8_t bad_wire_type[] = {0x13};
  assert_int_equal(dbn_wire_event_peek(bad_wire_type, 1, &seq, &prev, &prev_len), DBN_EPROTO);
  free(buf);
}

static void
test_text_width(void **state)
{
  (void)state;
  assert_int_equal(dbn_text_width("市交通运输局"), 12);
  assert_int_equal(dbn_text_width("JTJ"), 3);
  assert_int_equal(dbn_text_width("５０００个"), 10); /* full-width digits */
  assert_true(dbn_text_valid("鄂府发〔2023〕58号", strlen("鄂府发〔2023〕58号")));
  assert_false(dbn_text_valid("\xff", 1));
  assert_false(dbn_text_valid("\xed\xa0\x80", 3)); /* a surrogate */
  /* Cut at a character boundary: 6 columns and "…" fill 7; in 8 columns
   * the next wide character does not fit, so one space pads the cell. */
  const struct {
    int width;
    const char *cell;
  } cells[] = {
      {7, "市交通…"},
      {8, "市交通… "},
      {12, "市交通运输局"},
      {14, "市交通运输局  "},
  };
  for (size_t i = 0; i < sizeof cells / sizeof cells[0]; i++) {
    char out[64] = "";
    FILE *f = fmemopen(out, sizeof out, "w");
    dbn_text_print_cell(f, "市交通运输局", cells[i].width);
    fclose(f);
    assert_string_equal(out, cells[i].cell);
  }
}

static void
test_names(void **state)
{
  (void)state;
  assert_string_equal(dbn_wire_code_name(DUBAN__CODE__CODE_PERMISSION_DENIED), "permission_denied");
  assert_int_equal(dbn_wire_error_code(DBN_EPERM), DUBAN__CODE__CODE_PERMISSION_DENIED);
  assert_int_equal(dbn_wire_error_code(DBN_EMAPFULL), DUBAN__CODE__CODE_UNAVAILABLE);
  setenv("DUBAN_LANG", "en", 1);
  assert_string_equal(dbn_strerror(12345), "unknown error");
  assert_string_equal(dbn_strerror(DBN_ENOTFOUND), "not found");
  setenv("DUBAN_LANG", "zh", 1);
  assert_string_equal(dbn_strerror(12345), "未知错误");
  assert_string_equal(dbn_strerror(DBN_ENOTFOUND), "未找到");
  unsetenv("DUBAN_LANG");
  assert_string_equal(dbn_request_name(DUBAN__REQUEST__BODY_CLAIM), "claim");
  assert_string_equal(dbn_wire_task_state_name(DUBAN__TASK_STATE__TASK_IN_PROGRESS), "in_progress");
  char id1[33], id2[33];
  dbn_wire_new_request_id(id1);
  dbn_wire_new_request_id(id2);
  assert_int_equal(strlen(id1), 32);
  assert_string_not_equal(id1, id2);
  /* Ids grow with time (their first 13 hex digits), so the broker's retry
   * table takes them in order. */
  assert_true(strncmp(id1, id2, 13) <= 0);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_progress_round_trip),
      cmocka_unit_test(test_refusals),
      cmocka_unit_test(test_garbage_does_not_decode),
      cmocka_unit_test(test_delivery_entries_decode_as_reply),
      cmocka_unit_test(test_event_peek_matches_unpack),
      cmocka_unit_test(test_text_width),
      cmocka_unit_test(test_names),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
