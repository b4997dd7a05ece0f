/* test_coordinator_write.c: a coordinator's six writes as
 * domain/coordinator_write.h builds them, table by table: each body gets
 * the fields it carries and only those, a NULL text stays empty, the
 * request round-trips through the wire, and any other body is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coordinator_write.h"
#include "error.h"
#include "wire.h"

static const dbn_coordinator_write_t full = {
    .escalation = 7, .task = "p:1.1", .note = "已收到", .reason = "材料不全", .unit = "KJJ"};

/* The fields of whatever body req points to, as one line, to compare. */
static void
describe(const Duban__Request *req, char *out, size_t len)
{
  switch (req->body_case) {
  case DUBAN__REQUEST__BODY_ACK:
    snprintf(out, len, "ack %llu %s", (unsigned long long)req->ack->escalation, req->ack->note);
    break;
  case DUBAN__REQUEST__BODY_RESOLVE:
    snprintf(out, len, "resolve %llu %s", (unsigned long long)req->resolve->escalation, req->resolve->note);
    break;
  case DUBAN__REQUEST__BODY_REMIND:
    snprintf(out, len, "remind %s %s", req->remind->task, req->remind->note);
    break;
  case DUBAN__REQUEST__BODY_ACCEPT:
    snprintf(out, len, "accept %s %s", req->accept->task, req->accept->note);
    break;
  case DUBAN__REQUEST__BODY_REJECT:
    snprintf(out, len, "reject %s %s", req->reject->task, req->reject->reason);
    break;
  case DUBAN__REQUEST__BODY_REASSIGN:
    snprintf(out, len, "reassign %s %s %s", req->reassign->task, req->reassign->unit, req->reassign->reason);
    break;
  default: snprintf(out, len, "other"); break;
  }
}

static void
test_each_body(void **state)
{
  (void)state;
  static const struct {
    Duban__Request__BodyCase body;
    const char *with_all, *with_none;
  } cases[] = {
      {DUBAN__REQUEST__BODY_ACK, "ack 7 已收到", "ack 0 "},
      {DUBAN__REQUEST__BODY_RESOLVE, "resolve 7 已收到", "resolve 0 "},
      {DUBAN__REQUEST__BODY_REMIND, "remind p:1.1 已收到", "remind  "},
      {DUBAN__REQUEST__BODY_ACCEPT, "accept p:1.1 已收到", "accept  "},
      {DUBAN__REQUEST__BODY_REJECT, "reject p:1.1 材料不全", "reject  "},
      {DUBAN__REQUEST__BODY_REASSIGN, "reassign p:1.1 KJJ 材料不全", "reassign   "},
  };
  const dbn_coordinator_write_t none = {0};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char line[256];
    Duban__Request req = DUBAN__REQUEST__INIT;
    dbn_coordinator_bodies_t bodies;
    assert_int_equal(dbn_coordinator_write_request(&req, &bodies, cases[i].body, &full), 0);
    assert_int_equal(req.body_case, cases[i].body);
    describe(&req, line, sizeof line);
    assert_string_equal(line, cases[i].with_all);
    /* The body packs and unpacks to the same fields (a NULL text is ""). */
    uint8_t *packed;
    size_t size;
    assert_int_equal(dbn_wire_pack(&req.base, &packed, &size), 0);
    Duban__Request *back;
    assert_int_equal(dbn_wire_request_unpack(packed, size, &back), 0);
    free(packed);
    describe(back, line, sizeof line);
    assert_string_equal(line, cases[i].with_all);
    dbn_wire_request_free(&back);

    Duban__Request empty = DUBAN__REQUEST__INIT;
    assert_int_equal(dbn_coordinator_write_request(&empty, &bodies, cases[i].body, &none), 0);
    describe(&empty, line, sizeof line);
    assert_string_equal(line, cases[i].with_none);
  }
}

static void
test_other_bodies_refused(void **state)
{
  (void)state;
  static const Duban__Request__BodyCase others[] = {
      DUBAN__REQUEST__BODY_CLAIM, DUBAN__REQUEST__BODY_LEAD_REMIND, DUBAN__REQUEST__BODY__NOT_SET};
  for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
    Duban__Request req = DUBAN__REQUEST__INIT;
    dbn_coordinator_bodies_t bodies;
    assert_int_equal(dbn_coordinator_write_request(&req, &bodies, others[i], &full), DBN_EINVAL);
    assert_int_equal(req.body_case, DUBAN__REQUEST__BODY__NOT_SET);
  }
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_each_body),
      cmocka_unit_test(test_other_bodies_refused),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
