/* config.h: the broker's settings, from a config file and then flags.
 *
 * The file holds `key = value` lines (# starts a comment); the same keys
 * are flags (`--key value`, or `--key` for a boolean), and a flag wins over
 * the file. Unknown keys are an error, so that a typo does not silently
 * leave a default in place. */
#ifndef DUBAN_BROKER_CONFIG_H
#define DUBAN_BROKER_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ladder.h"

typedef struct {
  char endpoint[256];       /* where the ROUTER binds, e.g. tcp://127.0.0.1:7700 */
  char data_dir[1024];      /* the LMDB event log */
  char keys_dir[1024];      /* broker.key(_secret) and clients/ */
  size_t map_size;          /* initial LMDB map size in bytes */
  size_t map_max;           /* the map never grows past this (bytes); 0 = no cap */
  bool group_commit;        /* false: commit each request on its own (benchmark comparison) */
  bool no_sync;             /* MDB_NOSYNC: not durable; benchmarks only */
  bool no_pipeline;         /* each commit syncs its meta page at once (broker/pipeline.h); comparison only */
  int memory_mib;           /* the memory ceiling: past it every connection is dropped */
  bool allow_clock_behind;  /* start on a real clock behind the log's last event (it is held there) */
  bool allow_clock_change;  /* start on another clock kind than the log's (and allow_clock_behind) */
  int64_t virtual_clock;    /* 0 = real clock; else the virtual clock's start (unix seconds) */
  int batch_max;            /* most requests drained into one transaction */
  int yellow_days;          /* days before a due date that a yellow warning is raised */
  int escalation_sla_hours; /* an open escalation nobody acknowledges rises a level after this long */
  dbn_ladder_t ladder;      /* the 督办 ladder's levels, names and whom each notifies */
  int checkpoint_events;    /* sign a checkpoint after this many new events (store/checkpoint.h) */
  int checkpoint_seconds;   /* ... or after this many seconds with new events */
  char metrics[256];        /* --metrics HOST:PORT for Prometheus; "" = none */
  char crypto[32];          /* --crypto: the profile of a log it creates; "" = not given (the log's own) */
  char etcd[1024];          /* replicated mode: etcd members' client addresses; "" = single node */
  char node[64];            /* replicated mode: this broker's name among its peers */
  char advertise[256];      /* replicated mode: the endpoint clients are sent to when this is the leader */
  int lease_seconds;        /* replicated mode: the leader's etcd lease; a dead leader is replaced after it */
  char etcd_prefix[128];    /* replicated mode: where in etcd this deployment's keys live ("/duban/") */
  uint64_t etcd_window;     /* replicated mode: events kept in etcd behind the head (older batches deleted) */
  char etcd_ca[1024];       /* replicated mode, https://: the etcd members' CA ("" = the system's) */
  char etcd_cert[1024];     /* replicated mode, https://: this broker's client certificate for etcd */
  char etcd_key[1024];      /* ... and its key */
  char snapshot_from[1024]; /* replicated mode: a backup (or folder of backups) of a peer's log, for a
                               follower beyond etcd's window (broker/snapshot_restore.h); "" = none */
} dbn_broker_config_t;

/* Fill config from argv (which may name --config FILE). On a usage error
 * returns DBN_EINVAL with a message in why; on --help returns 1 after
 * printing usage to stdout, and on --version after printing the versions. */
int dbn_broker_config_parse(dbn_broker_config_t *config, int argc, char **argv, char *why, size_t why_len);

/* 0 if libzmq major.minor.patch is new enough for the broker (4.3.3, which
 * fixes known CURVE flaws); else DBN_EVERSION with a message in why that
 * names the version found and says to upgrade. */
int dbn_broker_check_libzmq(int major, int minor, int patch, char *why, size_t why_len);

#endif
