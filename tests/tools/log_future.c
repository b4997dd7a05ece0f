/* log_future.c: a log as a newer duban would write it, for
 * test_log_header.sh: one event (seq 1) whose LogHeader claims a format
 * version this duban does not know.
 *
 *   log_future DIR FORMAT_VERSION [CLOCK]
 *
 * Written with duban's own store library (the event is a clock advance of
 * 0 seconds, so that its views stay trivially right): only the header's
 * version is from the future, which is what an older duban must refuse. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "store.h"

int
main(int argc, char **argv)
{
  if (argc < 3 || argc > 4) {
    fprintf(stderr, "usage: log_future DIR FORMAT_VERSION [CLOCK]\n");
    return 2;
  }
  dbn_store_t *store;
  int rc = dbn_store_open(&store, argv[1], NULL);
  if (rc) {
    fprintf(stderr, "log_future: cannot open %s: %s\n", argv[1], dbn_strerror(rc));
    return 1;
  }
  Duban__LogHeader header = DUBAN__LOG_HEADER__INIT;
  header.format_version = (uint32_t)strtoul(argv[2], NULL, 10);
  header.clock = argc == 4 ? argv[3] : "virtual";
  header.crypto = "";
  Duban__AdvanceClock advance = DUBAN__ADVANCE_CLOCK__INIT;
  Duban__Event event = DUBAN__EVENT__INIT;
  event.time = (int64_t)time(NULL);
  event.actor = "admin:admin";
  event.body_case = DUBAN__EVENT__BODY_CLOCK_ADVANCED;
  event.clock_advanced = &advance;
  event.log_header = &header;
  dbn_store_txn_t *txn;
  rc = dbn_store_write_begin(store, &txn);
  if (rc == 0) {
    rc = dbn_store_append(txn, &event);
    rc = rc ? (dbn_store_abort(&txn), rc) : dbn_store_commit(&txn);
  }
  dbn_store_destroy(&store);
  if (rc) {
    fprintf(stderr, "log_future: %s\n", dbn_strerror(rc));
    return 1;
  }
  return 0;
}
