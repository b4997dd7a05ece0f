/* auth.c: the ZAP handler; see auth.h. */
#include "auth.h"

#include <czmq.h>
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <zmq.h>

#include "error.h"
#include "log.h"
#include "monotonic.h"

/* What the client key folder looked like: enough to notice a file added,
 * removed, renamed or rewritten. */
struct folder_stamp {
  struct timespec dir_mtime; /* the folder's own mtime: changes on add, remove, rename */
  ino_t dir_ino;             /* a folder replaced as a whole */
  size_t files;              /* regular files in it */
  off_t bytes;               /* their total size */
  struct timespec newest;    /* the latest mtime among them: a file rewritten in place */
};

/* How often the files themselves are looked at again. The folder's mtime
 * is checked on every handshake (one stat); a key file rewritten in place
 * leaves it alone, so that case is caught by a full look at most this
 * long after. */
#define FOLDER_DEEP_CHECK_MS 1000

struct dbn_auth {
  void *zap;                 /* REP socket on inproc://zeromq.zap.01 */
  zcert_t *broker_cert;      /* the broker's key pair */
  zcertstore_t *clients;     /* in memory: public certs of everyone who may connect */
  char clients_dir[2048];    /* KEYS/clients, reloaded into clients when it changes */
  struct folder_stamp stamp; /* the folder as clients was loaded from it */
  int64_t deep_checked_ms;   /* when the files were last stat'ed one by one */
};

/* A folder anyone but its owner can write lets them add a key and walk in. */
static int
check_not_writable_by_others(const char *path, bool is_secret, char *why, size_t why_len)
{
  struct stat st;
  if (stat(path, &st) != 0) {
    snprintf(why, why_len, "'%s' is missing; make keys with `duban keygen --dir DIR`", path);
    return DBN_ENOTFOUND;
  }
  if (st.st_mode & (S_IWGRP | S_IWOTH)) {
    snprintf(why, why_len, "'%s' is writable by group or others; run `chmod go-w %s`", path, path);
    return DBN_EPERM;
  }
  if (is_secret && (st.st_mode & (S_IRGRP | S_IROTH))) {
    snprintf(why, why_len, "'%s' is readable by group or others; run `chmod 600 %s`", path, path);
    return DBN_EPERM;
  }
  return 0;
}

static bool
later(struct timespec a, struct timespec b)
{
  return a.tv_sec > b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec > b.tv_nsec);
}

/* Stamp the folder; with deep, also its files. */
static void
stamp_folder(const char *dir, bool deep, struct folder_stamp *stamp)
{
  memset(stamp, 0, sizeof *stamp);
  struct stat st;
  if (stat(dir, &st) != 0)
    return;
  stamp->dir_mtime = st.st_mtim;
  stamp->dir_ino = st.st_ino;
  if (!deep)
    return;
  DIR *d = opendir(dir);
  if (!d)
    return;
  struct dirent *entry;
  char path[4096];
  while ((entry = readdir(d))) {
    if (entry->d_name[0] == '.')
      continue;
    snprintf(path, sizeof path, "%s/%s", dir, entry->d_name);
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
      continue;
    stamp->files++;
    stamp->bytes += st.st_size;
    if (later(st.st_mtim, stamp->newest))
      stamp->newest = st.st_mtim;
  }
  closedir(d);
}

static bool
same_stamp(const struct folder_stamp *a, const struct folder_stamp *b, bool deep)
{
  bool same = a->dir_ino == b->dir_ino && a->dir_mtime.tv_sec == b->dir_mtime.tv_sec &&
              a->dir_mtime.tv_nsec == b->dir_mtime.tv_nsec;
  if (deep)
    same = same && a->files == b->files && a->bytes == b->bytes && a->newest.tv_sec == b->newest.tv_sec &&
           a->newest.tv_nsec == b->newest.tv_nsec;
  return same;
}

/* Read every public cert in the folder into a new in-memory store. A
 * missing folder is an empty store: nobody gets in. */
static zcertstore_t *
load_folder(const char *dir)
{
  zcertstore_t *store = zcertstore_new(NULL);
  if (!store)
    return NULL;
  DIR *d = opendir(dir);
  if (!d)
    return store;
  struct dirent *entry;
  char path[4096];
  while ((entry = readdir(d))) {
    if (entry->d_name[0] == '.')
      continue;
    snprintf(path, sizeof path, "%s/%s", dir, entry->d_name);
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
      continue;
    zcert_t *cert = zcert_load(path);
    if (cert)
      zcertstore_insert(store, &cert);
  }
  closedir(d);
  return store;
}

/* Bring the in-memory keys up to date with the folder. CZMQ's own disk
 * store does this on every lookup by stat'ing every file of the folder:
 * with 1,000 departments that was ~4 million instructions and 1,000
 * syscalls per handshake (the benchmark's profile: 17% of the broker's
 * time under load, and 1,000 agents took 6 s to connect). Here a
 * handshake costs one stat of the folder; a removed key (revocation)
 * still takes effect at the next handshake. */
static int
refresh_clients(dbn_auth_t *auth)
{
  int64_t now = dbn_monotonic_ms();
  bool deep = now - auth->deep_checked_ms >= FOLDER_DEEP_CHECK_MS;
  struct folder_stamp current;
  stamp_folder(auth->clients_dir, deep, &current);
  if (deep)
    auth->deep_checked_ms = now;
  if (auth->clients && same_stamp(&current, &auth->stamp, deep))
    return 0;
  /* Stamp before reading, so that a change during the read is seen next time. */
  if (!deep)
    stamp_folder(auth->clients_dir, true, &current);
  zcertstore_t *fresh = load_folder(auth->clients_dir);
  if (!fresh)
    return DBN_ENOMEM;
  zcertstore_destroy(&auth->clients);
  auth->clients = fresh;
  auth->stamp = current;
  auth->deep_checked_ms = now;
  return 0;
}

int
dbn_auth_new(dbn_auth_t **auth_p, void *zmq_ctx, const char *keys_dir, char *why, size_t why_len)
{
  char path[2048], clients[2048], secret[2100];
  snprintf(path, sizeof path, "%s/broker.key", keys_dir);
  snprintf(secret, sizeof secret, "%s_secret", path);
  snprintf(clients, sizeof clients, "%s/clients", keys_dir);
  int rc;
  if ((rc = check_not_writable_by_others(keys_dir, false, why, why_len)) ||
      (rc = check_not_writable_by_others(clients, false, why, why_len)) ||
      (rc = check_not_writable_by_others(secret, true, why, why_len)))
    return rc;

  dbn_auth_t *auth = calloc(1, sizeof *auth);
  if (!auth)
    return DBN_ENOMEM;
  auth->broker_cert = zcert_load(path);
  if (!auth->broker_cert || !*zcert_secret_txt(auth->broker_cert) ||
      strcmp(zcert_secret_txt(auth->broker_cert), "0000000000000000000000000000000000000000") == 0) {
    snprintf(why, why_len, "cannot read the broker's key pair from '%s' and '%s'", path, secret);
    dbn_auth_destroy(&auth);
    return DBN_EUNAUTH;
  }
  snprintf(auth->clients_dir, sizeof auth->clients_dir, "%s", clients);
  if (refresh_clients(auth) != 0 || !auth->clients) {
    snprintf(why, why_len, "cannot read client keys from '%s'", clients);
    dbn_auth_destroy(&auth);
    return DBN_EIO;
  }
  auth->zap = zmq_socket(zmq_ctx, ZMQ_REP);
  int linger = 0;
  zmq_setsockopt(auth->zap, ZMQ_LINGER, &linger, sizeof linger);
  if (!auth->zap || zmq_bind(auth->zap, "inproc://zeromq.zap.01") != 0) {
    snprintf(why, why_len, "cannot start the ZAP handler: %s", zmq_strerror(zmq_errno()));
    dbn_auth_destroy(&auth);
    return DBN_EIO;
  }
  *auth_p = auth;
  return 0;
}

void
dbn_auth_destroy(dbn_auth_t **auth_p)
{
  if (!auth_p || !*auth_p)
    return;
  dbn_auth_t *auth = *auth_p;
  if (auth->zap)
    zmq_close(auth->zap);
  zcert_destroy(&auth->broker_cert);
  zcertstore_destroy(&auth->clients);
  free(auth);
  *auth_p = NULL;
}

void *
dbn_auth_socket(dbn_auth_t *auth)
{
  return auth->zap;
}

const unsigned char *
dbn_auth_secret_key(dbn_auth_t *auth)
{
  return zcert_secret_key(auth->broker_cert);
}

/* Receive the frames of one ZAP request; returns the count, or -1. */
static int
recv_request(void *zap, zmq_msg_t frames[], int max)
{
  int n = 0, more = 1;
  while (more) {
    zmq_msg_t scratch;
    zmq_msg_t *frame = n < max ? &frames[n] : &scratch;
    zmq_msg_init(frame);
    if (zmq_msg_recv(frame, zap, n == 0 ? ZMQ_DONTWAIT : 0) < 0) {
      zmq_msg_close(frame);
      return n == 0 ? -1 : n;
    }
    more = zmq_msg_more(frame);
    if (n >= max)
      zmq_msg_close(frame);
    else
      n++;
  }
  return n;
}

/* The ZAP reply. A public key (Z85, 40 characters) goes into the
 * connection's metadata as DBN_AUTH_KEY_PROPERTY, one ZMTP property:
 * name length (1 byte), name, value length (4 bytes, big-endian), value. */
static void
send_reply(void *zap, zmq_msg_t *request_id, const char *status, const char *text, const char *user_id,
           const char *public_txt)
{
  zmq_send(zap, "1.0", 3, ZMQ_SNDMORE);
  zmq_send(zap, zmq_msg_data(request_id), zmq_msg_size(request_id), ZMQ_SNDMORE);
  zmq_send(zap, status, strlen(status), ZMQ_SNDMORE);
  zmq_send(zap, text, strlen(text), ZMQ_SNDMORE);
  zmq_send(zap, user_id, strlen(user_id), ZMQ_SNDMORE);
  uint8_t metadata[1 + sizeof DBN_AUTH_KEY_PROPERTY + 4 + 40];
  size_t len = 0;
  if (public_txt && strlen(public_txt) == 40) {
    size_t name_len = strlen(DBN_AUTH_KEY_PROPERTY);
    metadata[len++] = (uint8_t)name_len;
    memcpy(metadata + len, DBN_AUTH_KEY_PROPERTY, name_len);
    len += name_len;
    uint8_t value_len[4] = {0, 0, 0, 40};
    memcpy(metadata + len, value_len, 4);
    memcpy(metadata + len + 4, public_txt, 40);
    len += 44;
  }
  zmq_send(zap, metadata, len, 0);
}

void
dbn_auth_refresh(dbn_auth_t *auth)
{
  refresh_clients(auth); /* on failure the keys already loaded still serve */
}

bool
dbn_auth_key_current(dbn_auth_t *auth, const char *public_txt, const char *identity)
{
  if (!public_txt || !identity || strlen(public_txt) != 40)
    return false;
  zcert_t *cert = zcertstore_lookup(auth->clients, public_txt);
  const char *now_identity = cert ? zcert_meta(cert, "identity") : NULL;
  return now_identity && strcmp(now_identity, identity) == 0;
}

int
dbn_auth_handle(dbn_auth_t *auth)
{
  enum { VERSION, REQUEST_ID, DOMAIN, ADDRESS, ROUTING_ID, MECHANISM, CREDENTIALS, MAX_FRAMES };
  zmq_msg_t frames[MAX_FRAMES];
  int n;
  bool refreshed = false;
  while ((n = recv_request(auth->zap, frames, MAX_FRAMES)) > 0) {
    if (!refreshed) {
      refresh_clients(auth); /* on failure the keys already loaded still serve */
      refreshed = true;
    }
    char address[64] = "";
    if (n > ADDRESS)
      snprintf(address, sizeof address, "%.*s", (int)zmq_msg_size(&frames[ADDRESS]),
               (const char *)zmq_msg_data(&frames[ADDRESS]));
    if (n < MAX_FRAMES || zmq_msg_size(&frames[MECHANISM]) != 5 ||
        memcmp(zmq_msg_data(&frames[MECHANISM]), "CURVE", 5) != 0 ||
        zmq_msg_size(&frames[CREDENTIALS]) != 32) {
      dbn_log(DBN_LOG_WARN, "auth", "refused a connection from %s: not a CURVE handshake", address);
      if (n > REQUEST_ID)
        send_reply(auth->zap, &frames[REQUEST_ID], "400", "CURVE required", "", NULL);
    } else {
      char public_txt[41];
      zmq_z85_encode(public_txt, zmq_msg_data(&frames[CREDENTIALS]), 32);
      zcert_t *cert = zcertstore_lookup(auth->clients, public_txt);
      const char *identity = cert ? zcert_meta(cert, "identity") : NULL;
      if (identity && *identity) {
        send_reply(auth->zap, &frames[REQUEST_ID], "200", "OK", identity, public_txt);
      } else {
        dbn_log(DBN_LOG_WARN, "auth", "refused key %s from %s: not in the client key folder", public_txt,
                address);
        send_reply(auth->zap, &frames[REQUEST_ID], "400", "unknown key", "", NULL);
      }
    }
    for (int i = 0; i < n; i++)
      zmq_msg_close(&frames[i]);
  }
  return 0;
}
