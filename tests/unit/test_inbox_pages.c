/* test_inbox_pages.c: a department's inbox a page at a time (ListInbox's
 * cursor and limit), against the real broker with raw libzmq: with a limit
 * of two, paging by next_cursor gives every item once, newest first, and
 * the last page says there is no next; the unread items page the same way;
 * a cursor that is no event's seq is refused. The client library's
 * following of the cursor is tested end to end by
 * tests/integration/test_harden_inbox_pages.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <czmq.h>
#include <zmq.h>

#include "request.h"
#include "wire.h"

#define FIXTURE_BROKER_NAME "inbox-pages"
#include "fixture_broker.h"

#define REMINDERS 5

/* REMINDERS reminders to LCJ, sent by a coordinator through the CLI. */
static void
remind_lcj(void)
{
  for (int i = 1; i <= REMINDERS; i++) {
    char command[1024];
    snprintf(command, sizeof command,
             "%s/bin/duban remind " TASK_LCJ
             " --note '第%d次催办' --broker %s --server-key %s/keys/broker.key "
             "--key %s/keys/coordinator-office.key >/dev/null",
             DUBAN_BINARY_DIR, i, fx.endpoint, fx.dir, fx.dir);
    assert_int_equal(run(command), 0);
  }
}

/* Page through LCJ's inbox by twos; the seqs seen, newest first, into
 * seqs (room for REMINDERS + 1). Returns how many. */
static size_t
page_by_twos(void *lcj, bool unread_only, uint64_t *seqs)
{
  char cursor[32] = "";
  size_t seen = 0;
  for (int pages = 0; pages <= REMINDERS; pages++) {
    BODY(req, ListInbox, LIST_INBOX, list);
    list.unread_only = unread_only;
    list.limit = 2;
    list.cursor = cursor;
    req.list_inbox = &list;
    Duban__Reply *page = call(lcj, &req);
    assert_non_null(page);
    assert_int_equal(page->code, DUBAN__CODE__CODE_OK);
    assert_true(page->n_inbox <= 2);
    for (size_t i = 0; i < page->n_inbox; i++) {
      assert_true(seen < REMINDERS);
      assert_true(seen == 0 || page->inbox[i]->seq < seqs[seen - 1]); /* newest first, each once */
      seqs[seen++] = page->inbox[i]->seq;
    }
    bool last = !*page->next_cursor;
    assert_true(last || page->n_inbox == 2);
    snprintf(cursor, sizeof cursor, "%s", page->next_cursor);
    dbn_wire_reply_free(&page);
    if (last)
      break;
  }
  return seen;
}

static void
test_inbox_comes_a_page_at_a_time(void **state)
{
  (void)state;
  remind_lcj();
  void *lcj = connect_as("unit-LCJ");
  BODY(all, ListInbox, LIST_INBOX, list_all);
  all.list_inbox = &list_all;
  Duban__Reply *whole = call(lcj, &all);
  assert_non_null(whole);
  assert_int_equal(whole->code, DUBAN__CODE__CODE_OK);
  assert_int_equal(whole->n_inbox, REMINDERS);
  assert_string_equal(whole->next_cursor, ""); /* all fit in one page */

  uint64_t seqs[REMINDERS + 1];
  assert_int_equal(page_by_twos(lcj, false, seqs), REMINDERS);
  for (size_t i = 0; i < REMINDERS; i++)
    assert_int_equal(seqs[i], whole->inbox[i]->seq);
  assert_int_equal(page_by_twos(lcj, true, seqs), REMINDERS); /* none read yet */
  dbn_wire_reply_free(&whole);

  BODY(bad, ListInbox, LIST_INBOX, list_bad);
  list_bad.cursor = "第一页";
  bad.list_inbox = &list_bad;
  expect(lcj, &bad, DUBAN__CODE__CODE_INVALID_ARGUMENT, "cursor");
  zmq_close(lcj);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_inbox_comes_a_page_at_a_time, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
