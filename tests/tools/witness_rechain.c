/* witness_rechain.c: what an operator who holds the broker's data directory
 * can do to its log with duban's own store library, for test_witness.sh.
 *
 *   witness_rechain SRC DST [--edit SEQ NOTE] [--drop-last N] [--actor SEQ IDENTITY]
 *                           [--percent SEQ N] [--time SEQ UNIX_SECONDS] [--drop SEQ]
 *
 * Copies the log in SRC into a new log in DST event by event through
 * dbn_store_append, which recomputes every prev_hash and every view: with
 * --edit the progress note of event SEQ is replaced by NOTE first, with
 * --drop-last the last N events are left out; --actor makes event SEQ
 * another identity's and --percent sets a progress report's percent;
 * --time gives event SEQ another time, and --drop leaves event SEQ out
 * (the ones after it move up a seq). The result verifies on its
 * own (`duban audit verify`); only the broker's signed checkpoints that the
 * departments kept show it is not the log they were told of. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "wire.h"

struct copy {
  dbn_store_txn_t *out;
  uint64_t edit_seq;
  const char *note;
  uint64_t actor_seq, percent_seq, time_seq, drop_seq;
  int64_t time;
  const char *actor;
  int percent;
  uint64_t last_seq; /* copy up to here */
  int rc;
};

static int
copy_event(void *arg, uint64_t seq, const uint8_t *bytes, size_t len)
{
  struct copy *copy = arg;
  if (seq > copy->last_seq)
    return 1;
  if (seq == copy->drop_seq)
    return 0;
  Duban__Event *event = NULL;
  if ((copy->rc = dbn_wire_event_unpack(bytes, len, &event)))
    return copy->rc;
  char *old_note = NULL;
  if (seq == copy->edit_seq) {
    if (event->body_case != DUBAN__EVENT__BODY_PROGRESS) {
      fprintf(stderr, "witness_rechain: event %llu is not a progress report\n", (unsigned long long)seq);
      dbn_wire_event_free(&event);
      return copy->rc = DBN_EINVAL;
    }
    old_note = event->progress->note;
    event->progress->note = (char *)copy->note;
  }
  char *old_actor = event->actor;
  if (seq == copy->actor_seq)
    event->actor = (char *)copy->actor;
  if (seq == copy->percent_seq && event->body_case == DUBAN__EVENT__BODY_PROGRESS)
    event->progress->percent = copy->percent;
  if (seq == copy->time_seq)
    event->time = copy->time;
  /* The append points prev_hash into the transaction's memory: the
   * unpacked one goes back before the event is freed. */
  ProtobufCBinaryData prev_hash = event->prev_hash;
  copy->rc = dbn_store_append(copy->out, event);
  event->prev_hash = prev_hash;
  if (old_note)
    event->progress->note = old_note;
  event->actor = old_actor;
  dbn_wire_event_free(&event);
  return copy->rc;
}

int
main(int argc, char **argv)
{
  if (argc < 3) {
    fprintf(stderr,
            "usage: witness_rechain SRC DST [--edit SEQ NOTE] [--drop-last N] [--actor SEQ IDENTITY]\n"
            "                       [--percent SEQ N] [--time SEQ UNIX_SECONDS] [--drop SEQ]\n");
    return 2;
  }
  struct copy copy = {.last_seq = UINT64_MAX};
  uint64_t drop = 0;
  for (int i = 3; i < argc; i++) {
    if (strcmp(argv[i], "--edit") == 0 && i + 2 < argc) {
      copy.edit_seq = strtoull(argv[i + 1], NULL, 10);
      copy.note = argv[i + 2];
      i += 2;
    } else if (strcmp(argv[i], "--actor") == 0 && i + 2 < argc) {
      copy.actor_seq = strtoull(argv[i + 1], NULL, 10);
      copy.actor = argv[i + 2];
      i += 2;
    } else if (strcmp(argv[i], "--percent") == 0 && i + 2 < argc) {
      copy.percent_seq = strtoull(argv[i + 1], NULL, 10);
      copy.percent = atoi(argv[i + 2]);
      i += 2;
    } else if (strcmp(argv[i], "--time") == 0 && i + 2 < argc) {
      copy.time_seq = strtoull(argv[i + 1], NULL, 10);
      copy.time = strtoll(argv[i + 2], NULL, 10);
      i += 2;
    } else if (strcmp(argv[i], "--drop") == 0 && i + 1 < argc) {
      copy.drop_seq = strtoull(argv[++i], NULL, 10);
    } else if (strcmp(argv[i], "--drop-last") == 0 && i + 1 < argc) {
      drop = strtoull(argv[++i], NULL, 10);
    } else {
      fprintf(stderr, "witness_rechain: unknown argument %s\n", argv[i]);
      return 2;
    }
  }
  dbn_store_options_t ro = {.read_only = true};
  dbn_store_t *src = NULL, *dst = NULL;
  dbn_store_txn_t *in = NULL;
  int rc = dbn_store_open(&src, argv[1], &ro);
  if (rc == 0) {
    dbn_store_options_t rw = {.map_size = dbn_store_map_size(src)};
    rc = dbn_store_open(&dst, argv[2], &rw);
  }
  if (rc == 0)
    rc = dbn_store_read_begin(src, &in);
  if (rc == 0)
    rc = dbn_store_write_begin(dst, &copy.out);
  if (rc == 0) {
    uint64_t head = dbn_store_txn_head(in);
    copy.last_seq = head > drop ? head - drop : 0;
    rc = dbn_store_events_foreach(in, 0, 0, copy_event, &copy);
    if (rc == 0)
      rc = copy.rc;
  }
  if (rc == 0)
    rc = dbn_store_commit(&copy.out);
  dbn_store_abort(&copy.out);
  dbn_store_abort(&in);
  dbn_store_destroy(&dst);
  dbn_store_destroy(&src);
  if (rc) {
    fprintf(stderr, "witness_rechain: %s\n", dbn_strerror(rc));
    return 1;
  }
  return 0;
}
