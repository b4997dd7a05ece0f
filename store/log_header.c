/* log_header.c: what a log is, recorded once in its first event (seq 1,
 * Event.log_header) and so covered by the chain: the log format, the clock
 * the broker ran on when it made the log and the crypto profile
 * (store/crypto_profile.h) every hash and signature of the log uses.
 *
 * The profile is read once when a store is opened, before anything hashes
 * (a views rebuild hashes the signers' links): every later hash of the log
 * (the chain, the links, verify's walk, a witness comparison) asks the
 * store. A log without a header (every log made before headers) is the
 * default profile. A mirror takes the header from the broker's seq 1. */
#include "store_internal.h"

#include <stdio.h>

#include "be64.h"
#include "lmdb_env.h"
#include "wire.h"

dbn_crypto_t
dbn_store_crypto(const dbn_store_t *store)
{
  return store->crypto;
}

dbn_crypto_t
dbn_store_txn_crypto(const dbn_store_txn_t *txn)
{
  return txn->store->crypto;
}

int
dbn_store_log_crypto_read(dbn_store_t *store, char *why, size_t why_len)
{
  store->crypto = DBN_CRYPTO_ED25519_BLAKE2B;
  if (!store->dbis_open)
    return 0; /* a read-only open of a log not yet created */
  MDB_txn *txn;
  int rc = mdb_txn_begin(store->env, NULL, MDB_RDONLY, &txn);
  if (rc)
    return dbn_lmdb_error(rc);
  uint8_t first[8];
  dbn_be64_put(first, 1);
  MDB_val key = {8, first}, val;
  Duban__Event *event = NULL;
  rc = mdb_get(txn, store->dbi[DBI_EVENTS], &key, &val);
  bool undecodable = rc == 0 && dbn_wire_event_unpack(val.mv_data, val.mv_size, &event) != 0;
  mdb_txn_abort(txn);
  if (rc == MDB_NOTFOUND)
    return 0;
  if (rc)
    return dbn_lmdb_error(rc);
  if (undecodable) {
    snprintf(why, why_len, "事件 1 无法解码，读不出日志头");
    return DBN_ECORRUPT;
  }
  const char *name = event->log_header ? event->log_header->crypto : "";
  if (dbn_crypto_parse(name, &store->crypto)) {
    snprintf(why, why_len, "事件 1 的日志头写的密码配置 \"%s\" 不认识（应为 ed25519-blake2b 或 sm）", name);
    rc = DBN_ECORRUPT;
  }
  dbn_wire_event_free(&event);
  return rc;
}

int
dbn_store_choose_crypto(dbn_store_t *store, const char *crypto, const char *clock, char *why, size_t why_len)
{
  dbn_crypto_t chosen = DBN_CRYPTO_ED25519_BLAKE2B;
  if (crypto && dbn_crypto_parse(crypto, &chosen)) {
    snprintf(why, why_len, "不认识的密码配置 \"%s\"：应为 ed25519-blake2b（默认）或 sm（国密 SM2/SM3）",
             crypto);
    return DBN_EINVAL;
  }
  uint64_t head = 0;
  uint8_t hash[DBN_HASH_BYTES];
  int rc = dbn_store_head(store, &head, hash);
  if (rc)
    return rc;
  if (head) {
    store->header_for_new_log = false;
    if (crypto && chosen != store->crypto) {
      snprintf(why, why_len,
               "日志是用密码配置 %s 建立的（记在事件 1 里），不能以 --crypto %s 启动：配置定于建日志之时，"
               "之后不能更改；去掉 --crypto 或改为 --crypto %s",
               dbn_crypto_name(store->crypto), dbn_crypto_name(chosen), dbn_crypto_name(store->crypto));
      return DBN_ESTATE;
    }
    return 0;
  }
  duban__log_header__init(&store->new_header);
  store->new_header.format_version = DBN_LOG_FORMAT_VERSION;
  store->new_header.clock = (char *)clock;
  store->new_header.crypto = (char *)dbn_crypto_name(chosen);
  store->header_for_new_log = true;
  store->crypto = chosen;
  return 0;
}

int
dbn_store_log_header_attach(dbn_store_txn_t *txn, Duban__Event *event)
{
  if (event->seq != 1)
    return 0;
  if (!event->log_header && txn->store->header_for_new_log)
    event->log_header = &txn->store->new_header;
  if (!event->log_header)
    return 0;
  return dbn_crypto_parse(event->log_header->crypto, &txn->store->crypto) ? DBN_EINVAL : 0;
}
