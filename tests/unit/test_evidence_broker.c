/* test_evidence_broker.c: the broker's own checks of evidence (佐证材料),
 * with raw requests the CLI would refuse to build: a hash that is not the
 * content's, a sixth file, a file over 1 MiB, a program, each refused with
 * its limit named and nothing written; then a good file kept, fetched back
 * by its unit and by a coordinator, and refused to another unit. The log
 * verifies afterwards (fixture_broker.h's teardown). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <czmq.h>
#include <zmq.h>

#include "evidence_rule.h"
#include "request.h"
#include "wire.h"

#define FIXTURE_BROKER_NAME "evidence"
#include "fixture_broker.h"

/* n files of len bytes each (filled with fill) on a progress report of TASK_LCJ. */
struct report {
  Duban__EvidenceRef refs[8];
  Duban__EvidenceRef *ptrs[8];
  uint8_t hashes[8][DBN_EVIDENCE_HASH_BYTES];
  uint8_t *content;
  Duban__Progress progress;
  Duban__Request req;
};

static void
report_init(struct report *r, size_t n, size_t len, const char *name, const char *media_type)
{
  memset(r, 0, sizeof *r);
  r->content = malloc(len);
  assert_non_null(r->content);
  memset(r->content, 'a', len);
  for (size_t i = 0; i < n; i++) {
    r->content[0] = (uint8_t)('a' + i); /* distinct files */
    duban__evidence_ref__init(&r->refs[i]);
    r->refs[i].name = (char *)name;
    r->refs[i].media_type = (char *)media_type;
    r->refs[i].content.data = malloc(len);
    memcpy(r->refs[i].content.data, r->content, len);
    r->refs[i].content.len = len;
    r->refs[i].size = len;
    dbn_evidence_hash(r->refs[i].content.data, len, r->hashes[i]);
    r->refs[i].hash.data = r->hashes[i];
    r->refs[i].hash.len = DBN_EVIDENCE_HASH_BYTES;
    r->ptrs[i] = &r->refs[i];
  }
  duban__progress__init(&r->progress);
  r->progress.task = TASK_LCJ;
  r->progress.percent = 20;
  r->progress.evidence = r->ptrs;
  r->progress.n_evidence = n;
  duban__request__init(&r->req);
  r->req.body_case = DUBAN__REQUEST__BODY_PROGRESS;
  r->req.progress = &r->progress;
}

static void
report_clear(struct report *r)
{
  for (size_t i = 0; i < r->progress.n_evidence; i++)
    free(r->refs[i].content.data);
  free(r->content);
}

static void
claim(void *s)
{
  Duban__Claim body = DUBAN__CLAIM__INIT;
  body.task = TASK_LCJ;
  Duban__Request req = DUBAN__REQUEST__INIT;
  req.body_case = DUBAN__REQUEST__BODY_CLAIM;
  req.claim = &body;
  expect(s, &req, DUBAN__CODE__CODE_OK, NULL);
}

static Duban__Reply *
get_file(void *s, const uint8_t *hash)
{
  Duban__EvidenceGet get = DUBAN__EVIDENCE_GET__INIT;
  get.hash.data = (uint8_t *)hash;
  get.hash.len = DBN_EVIDENCE_HASH_BYTES;
  Duban__Request req = DUBAN__REQUEST__INIT;
  req.body_case = DUBAN__REQUEST__BODY_GET_EVIDENCE;
  req.get_evidence = &get;
  Duban__Reply *reply = call(s, &req);
  assert_non_null(reply);
  return reply;
}

static void
test_refusals_and_a_kept_file(void **state)
{
  (void)state;
  void *lcj = connect_as("unit-LCJ");
  claim(lcj);
  struct report r;

  report_init(&r, 1, 100, "报告.pdf", "application/pdf");
  r.hashes[0][0] ^= 1;
  expect(lcj, &r.req, DUBAN__CODE__CODE_INVALID_ARGUMENT, "哈希值与其内容不符");
  report_clear(&r);

  report_init(&r, 6, 10, "页.txt", "text/plain");
  expect(lcj, &r.req, DUBAN__CODE__CODE_INVALID_ARGUMENT, "一次报送最多附 5 个佐证材料，本次附了 6 个");
  report_clear(&r);

  report_init(&r, 1, DBN_EVIDENCE_MAX_FILE_BYTES + 1, "扫描件.pdf", "application/pdf");
  expect(lcj, &r.req, DUBAN__CODE__CODE_INVALID_ARGUMENT, "超过每个文件 1048576 字节（1 MiB）的上限");
  report_clear(&r);

  report_init(&r, 1, 10, "run.exe", "application/x-msdownload");
  expect(lcj, &r.req, DUBAN__CODE__CODE_INVALID_ARGUMENT, "不在允许之列");
  report_clear(&r);

  report_init(&r, 1, 100, "报告.pdf", "application/pdf");
  r.refs[0].size = 99;
  expect(lcj, &r.req, DUBAN__CODE__CODE_INVALID_ARGUMENT, "大小");
  report_clear(&r);

  report_init(&r, 2, 1000, "报告.pdf", "application/pdf");
  expect(lcj, &r.req, DUBAN__CODE__CODE_OK, NULL);
  Duban__Reply *reply = get_file(lcj, r.hashes[1]);
  assert_int_equal(reply->code, DUBAN__CODE__CODE_OK);
  assert_non_null(reply->evidence_file);
  assert_int_equal(reply->evidence_file->content.len, 1000);
  assert_memory_equal(reply->evidence_file->content.data, r.refs[1].content.data, 1000);
  assert_string_equal(reply->evidence_file->task, TASK_LCJ);
  dbn_wire_reply_free(&reply);

  void *office = connect_as("coordinator-office");
  reply = get_file(office, r.hashes[0]);
  assert_int_equal(reply->code, DUBAN__CODE__CODE_OK);
  dbn_wire_reply_free(&reply);
  /* ZRJ cooperates on LCJ's measure and reads its files (domain/lead.h);
   * JTJ has no part in it. */
  void *zrj = connect_as("unit-ZRJ");
  reply = get_file(zrj, r.hashes[0]);
  assert_int_equal(reply->code, DUBAN__CODE__CODE_OK);
  dbn_wire_reply_free(&reply);
  void *jtj = connect_as("unit-JTJ");
  reply = get_file(jtj, r.hashes[0]);
  assert_int_equal(reply->code, DUBAN__CODE__CODE_NOT_FOUND);
  assert_null(reply->evidence_file);
  dbn_wire_reply_free(&reply);
  zmq_close(jtj);
  report_clear(&r);
  zmq_close(lcj);
  zmq_close(office);
  zmq_close(zrj);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_refusals_and_a_kept_file, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
