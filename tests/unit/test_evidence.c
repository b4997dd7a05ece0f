/* test_evidence.c: evidence files (佐证材料) in a real store in a temporary
 * folder: kept by hash beside the event that names them, the event holding
 * the references only, listed per task and fetched back; a file changed or
 * removed behind the store's back found by verify at that event; and the
 * limits of domain/evidence_rule.h, case by case. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evidence.h"
#include "evidence_rule.h"
#include "fixture_store.h"
#include "fixture_log.h"
#include "fixture_plan.h"
#include "request.h"
#include "store.h"
#include "wire.h"

struct fixture {
  char dir[256];
  dbn_store_t *store;
  fixture_plan_t plan;
};

/* A file for a report: its name, type and bytes, hashed. */
struct file {
  Duban__EvidenceRef ref;
  uint8_t hash[DBN_EVIDENCE_HASH_BYTES];
};

static Duban__EvidenceRef *
make_file(struct file *f, const char *name, const char *media_type, const void *bytes, size_t len)
{
  duban__evidence_ref__init(&f->ref);
  f->ref.name = (char *)name;
  f->ref.media_type = (char *)media_type;
  f->ref.content.data = (uint8_t *)bytes;
  f->ref.content.len = len;
  f->ref.size = len;
  dbn_evidence_hash(bytes, len, f->hash);
  f->ref.hash.data = f->hash;
  f->ref.hash.len = sizeof f->hash;
  return &f->ref;
}

static int
setup(void **state)
{
  struct fixture *f = calloc(1, sizeof *f);
  f->store = fixture_temp_store(f->dir, sizeof f->dir, "test-evidence", NULL);
  fixture_plan_init(&f->plan, "t", "测试方案", "一、", "推进工程", "LCJ", NULL);
  fixture_plan_add_unit(&f->plan, "LCJ", "市林业和草原局");
  fixture_plan_add_action(&f->plan, "完成造林", "LCJ");
  fixture_append_plan_loaded(f->store, &f->plan.load, 1695000000, NULL);
  fixture_append_claimed(f->store, "t:1.1.1", "unit:LCJ", 1695000100, NULL);
  *state = f;
  return 0;
}

static int
teardown(void **state)
{
  struct fixture *f = *state;
  dbn_store_destroy(&f->store);
  dbn_store_remove_files(f->dir, true);
  free(f);
  return 0;
}

/* A progress report carrying refs, written as the broker writes it: the
 * files kept, the event appended with their content hidden. Returns its seq. */
static uint64_t
report_with(dbn_store_t *store, Duban__EvidenceRef **refs, size_t n)
{
  Duban__Progress progress = DUBAN__PROGRESS__INIT;
  progress.task = "t:1.1.1";
  progress.percent = 40;
  progress.evidence = refs;
  progress.n_evidence = n;
  Duban__Request req = DUBAN__REQUEST__INIT;
  req.body_case = DUBAN__REQUEST__BODY_PROGRESS;
  req.progress = &progress;
  char why[400];
  assert_int_equal(dbn_evidence_check(n, refs, why, sizeof why), 0);
  Duban__Event event = DUBAN__EVENT__INIT;
  event.time = 1695000200;
  event.actor = "unit:LCJ";
  assert_int_equal(dbn_request_to_event(&req, &event), 0);
  dbn_store_txn_t *txn;
  assert_int_equal(dbn_store_write_begin(store, &txn), 0);
  assert_int_equal(dbn_store_evidence_keep(txn, &req), 0);
  dbn_evidence_hidden_t hidden;
  dbn_evidence_hide_content(&req, &hidden);
  assert_int_equal(dbn_store_append(txn, &event), 0);
  dbn_evidence_restore_content(&hidden);
  assert_int_equal(dbn_store_commit(&txn), 0);
  for (size_t i = 0; i < n; i++)
    assert_true(refs[i]->content.len > 0); /* given back for a retried batch */
  return event.seq;
}

static const char pdf_bytes[] = "%PDF-1.4 造林验收报告";
static const char jpg_bytes[] = "\xff\xd8\xff\xe0 现场照片";

static void
test_round_trip(void **state)
{
  struct fixture *f = *state;
  struct file pdf, jpg;
  Duban__EvidenceRef *refs[] = {
      make_file(&pdf, "验收报告.pdf", "application/pdf", pdf_bytes, sizeof pdf_bytes - 1),
      make_file(&jpg, "现场.jpg", "image/jpeg", jpg_bytes, sizeof jpg_bytes - 1),
  };
  uint64_t seq = report_with(f->store, refs, 2);
  assert_int_equal(seq, 3);

  dbn_store_txn_t *txn;
  assert_int_equal(dbn_store_read_begin(f->store, &txn), 0);
  /* The log holds the references, not the bytes. */
  Duban__Event *event;
  assert_int_equal(dbn_store_event_get(txn, seq, &event), 0);
  assert_int_equal(event->progress->n_evidence, 2);
  assert_int_equal(event->progress->evidence[0]->content.len, 0);
  assert_memory_equal(event->progress->evidence[0]->hash.data, pdf.hash, DBN_EVIDENCE_HASH_BYTES);
  assert_string_equal(event->progress->evidence[1]->name, "现场.jpg");
  dbn_wire_event_free(&event);

  Duban__EvidenceRef **listed;
  size_t n;
  assert_int_equal(dbn_store_evidence_refs(txn, "t:1.1.1", NULL, &listed, &n), 0);
  assert_int_equal(n, 2);
  assert_int_equal(listed[1]->seq, seq);
  assert_string_equal(listed[1]->kind, "progress");
  assert_string_equal(listed[1]->task, "t:1.1.1");
  assert_int_equal(listed[1]->time, 1695000200);
  assert_int_equal(listed[1]->size, sizeof jpg_bytes - 1);
  dbn_store_evidence_free(listed, n);
  assert_int_equal(dbn_store_evidence_refs(txn, "t:1.1.2", NULL, &listed, &n), 0);
  assert_int_equal(n, 0);
  dbn_store_evidence_free(listed, n);
  assert_int_equal(dbn_store_evidence_refs(txn, NULL, jpg.hash, &listed, &n), 0);
  assert_int_equal(n, 1);
  assert_string_equal(listed[0]->media_type, "image/jpeg");
  dbn_store_evidence_free(listed, n);

  uint8_t *content;
  size_t len;
  assert_int_equal(dbn_store_evidence_get(txn, pdf.hash, &content, &len), 0);
  assert_int_equal(len, sizeof pdf_bytes - 1);
  assert_memory_equal(content, pdf_bytes, len);
  free(content);
  uint8_t unknown[DBN_EVIDENCE_HASH_BYTES] = {1};
  assert_int_equal(dbn_store_evidence_get(txn, unknown, &content, &len), DBN_ENOTFOUND);
  uint64_t files;
  dbn_verify_report_t report = {0};
  assert_int_equal(dbn_store_evidence_verify(txn, &report, &files), 0);
  assert_int_equal(files, 2);
  dbn_store_abort(&txn);

  /* The same file again is kept once and named by both events. */
  Duban__EvidenceRef *again[] = {refs[0]};
  assert_int_equal(report_with(f->store, again, 1), 4);
  assert_int_equal(dbn_store_read_begin(f->store, &txn), 0);
  assert_int_equal(dbn_store_evidence_refs(txn, NULL, pdf.hash, &listed, &n), 0);
  assert_int_equal(n, 2);
  dbn_store_evidence_free(listed, n);
  dbn_store_abort(&txn);
  assert_int_equal(dbn_store_verify(f->dir, NULL, &report), 0);
}

/* Change (or remove) the bytes kept under hash, behind the store's back. */
static void
tamper(const char *dir, const uint8_t *hash, bool remove)
{
  if (!remove) {
    fixture_raw_flip_byte(dir, "evidence", hash, DBN_EVIDENCE_HASH_BYTES, FIXTURE_LAST_BYTE);
    return;
  }
  fixture_raw_db_t raw;
  fixture_raw_open(&raw, dir, "evidence");
  MDB_val key = {DBN_EVIDENCE_HASH_BYTES, (void *)hash};
  assert_int_equal(mdb_del(raw.txn, raw.dbi, &key, NULL), 0);
  fixture_raw_commit(&raw);
}

static void
test_changed_file_found_at_its_event(void **state)
{
  struct fixture *f = *state;
  struct file pdf, jpg;
  Duban__EvidenceRef *first[] = {
      make_file(&pdf, "验收报告.pdf", "application/pdf", pdf_bytes, sizeof pdf_bytes - 1)};
  Duban__EvidenceRef *second[] = {make_file(&jpg, "现场.jpg", "image/jpeg", jpg_bytes, sizeof jpg_bytes - 1)};
  assert_int_equal(report_with(f->store, first, 1), 3);
  assert_int_equal(report_with(f->store, second, 1), 4);
  dbn_store_destroy(&f->store);
  dbn_verify_report_t report;
  assert_int_equal(dbn_store_verify(f->dir, NULL, &report), 0);

  tamper(f->dir, jpg.hash, false);
  assert_int_equal(dbn_store_verify(f->dir, NULL, &report), DBN_ECORRUPT);
  assert_int_equal(report.first_bad_seq, 4);
  assert_non_null(strstr(report.problem, "现场.jpg"));
  assert_non_null(strstr(report.problem, "已被改动"));

  tamper(f->dir, pdf.hash, true);
  assert_int_equal(dbn_store_verify(f->dir, NULL, &report), DBN_ECORRUPT);
  assert_int_equal(report.first_bad_seq, 3);
  assert_non_null(strstr(report.problem, "缺失"));
  assert_int_equal(dbn_store_open(&f->store, f->dir, NULL), 0);
}

/* ---- the limits, case by case ---- */

static void
test_limits(void **state)
{
  (void)state;
  static uint8_t big[DBN_EVIDENCE_MAX_FILE_BYTES + 1];
  static uint8_t near[DBN_EVIDENCE_MAX_FILE_BYTES];
  struct file files[DBN_EVIDENCE_MAX_FILES + 1];
  Duban__EvidenceRef *refs[DBN_EVIDENCE_MAX_FILES + 1];
  char why[400];
  for (size_t i = 0; i <= DBN_EVIDENCE_MAX_FILES; i++)
    refs[i] = make_file(&files[i], "页.txt", "text/plain", "一页", strlen("一页"));
  assert_int_equal(dbn_evidence_check(DBN_EVIDENCE_MAX_FILES, refs, why, sizeof why), 0);
  assert_int_equal(dbn_evidence_check(DBN_EVIDENCE_MAX_FILES + 1, refs, why, sizeof why), DBN_ETOOBIG);
  assert_string_equal(why, "一次报送最多附 5 个佐证材料，本次附了 6 个");

  struct file f;
  Duban__EvidenceRef *one[] = {make_file(&f, "大.pdf", "application/pdf", big, sizeof big)};
  assert_int_equal(dbn_evidence_check(1, one, why, sizeof why), DBN_ETOOBIG);
  assert_non_null(strstr(why, "超过每个文件 1048576 字节（1 MiB）的上限"));
  make_file(&f, "足.pdf", "application/pdf", near, sizeof near);
  assert_int_equal(dbn_evidence_check(1, one, why, sizeof why), 0);
  /* Four files of 1 MiB: each within its limit, together over 3 MiB. */
  struct file four[4];
  Duban__EvidenceRef *four_refs[4];
  for (int i = 0; i < 4; i++)
    four_refs[i] = make_file(&four[i], "足.pdf", "application/pdf", near, sizeof near);
  assert_int_equal(dbn_evidence_check(4, four_refs, why, sizeof why), DBN_ETOOBIG);
  assert_non_null(strstr(why, "3 MiB"));

  static const struct {
    const char *name, *media_type;
    const char *expect; /* in the refusal; NULL = accepted */
  } cases[] = {
      {"报告.pdf", "application/pdf", NULL},
      {"", "application/pdf", "文件名无效"},
      {"../报告.pdf", "application/pdf", "文件名无效"},
      {"a\\b.pdf", "application/pdf", "文件名无效"},
      {"tool.exe", "application/x-msdownload", "不在允许之列"},
      {"报告.pdf", "", "未注明"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    make_file(&f, cases[i].name, cases[i].media_type, "x", 1);
    int rc = dbn_evidence_check(1, one, why, sizeof why);
    if (!cases[i].expect) {
      assert_int_equal(rc, 0);
    } else {
      assert_int_equal(rc, DBN_EINVAL);
      assert_non_null(strstr(why, cases[i].expect));
    }
  }
  make_file(&f, "报告.pdf", "application/pdf", "x", 1);
  f.hash[0] ^= 1;
  assert_int_equal(dbn_evidence_check(1, one, why, sizeof why), DBN_EINVAL);
  assert_non_null(strstr(why, "哈希值与其内容不符"));
  make_file(&f, "报告.pdf", "application/pdf", "xy", 2);
  f.ref.size = 3;
  assert_int_equal(dbn_evidence_check(1, one, why, sizeof why), DBN_EINVAL);

  assert_string_equal(dbn_evidence_media_type_of("照片.JPG"), "image/jpeg");
  assert_null(dbn_evidence_media_type_of("run.sh"));
  assert_null(dbn_evidence_media_type_of("无扩展名"));
  char hex[65];
  uint8_t back[DBN_EVIDENCE_HASH_BYTES];
  dbn_evidence_hash_hex(f.hash, hex);
  assert_int_equal(dbn_evidence_hash_parse(hex, back), 0);
  assert_memory_equal(back, f.hash, sizeof back);
  assert_int_equal(dbn_evidence_hash_parse("abc", back), DBN_EINVAL);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
      cmocka_unit_test_setup_teardown(test_changed_file_found_at_its_event, setup, teardown),
      cmocka_unit_test(test_limits),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
