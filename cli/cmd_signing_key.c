/* cmd_signing_key.c: `duban admin register-key` and `duban admin
 * revoke-key`: which signing key may sign as which identity, as events in
 * the log (store/signed_request.h). A department makes its own pair with
 * `duban keygen --self` and sends the admin only the public key; the admin
 * registers it here, with the admin's own signature. */
#include <string.h>

#include <sodium.h>

#include "checkpoint.h"
#include "cli.h"
#include "identity.h"

static const char dbn_cli_register_key_usage[] =
    "usage: duban admin register-key IDENTITY PUBLIC_KEY [NOTE] [--json]\n"
    "\n"
    "Register IDENTITY's signing key (64 hex digits for Ed25519, 128 for SM2\n"
    "in a log of the sm profile, as `duban keygen --self` printed it on the\n"
    "holder's host) in the log: from this event on every\n"
    "write of IDENTITY must carry a signature by a key registered for it. To\n"
    "rotate, register the new key, then revoke the old one. Admin only; the\n"
    "request is signed with the admin's own key (KEYS/admin-NAME.sign_secret).\n"
    "The log's first admin key is registered by that admin itself.\n"
    "\n" DBN_CLI_CONNECTION_HELP;

static const char dbn_cli_revoke_key_usage[] =
    "usage: duban admin revoke-key IDENTITY KEY_ID REASON [--json]\n"
    "\n"
    "Revoke one of IDENTITY's signing keys (its key id, 16 hex digits): from\n"
    "this event on its signatures are refused. Admin only.\n"
    "\n" DBN_CLI_CONNECTION_HELP;

int
dbn_cmd_register_key(int argc, char **argv)
{
  dbn_cli_t cli;
  dbn_cli_init(&cli, "admin register-key", dbn_cli_register_key_usage);
  bool done;
  int rc = dbn_cli_parse_common(&cli, argc, argv, 2, 3, &done);
  if (done)
    return rc;
  const char *identity = argv[optind], *hex = argv[optind + 1];
  const char *note = optind + 2 < argc ? argv[optind + 2] : "";
  dbn_role_t role;
  const char *name;
  uint8_t public_key[DBN_SIGN_PUBLIC_MAX];
  dbn_crypto_t crypto;
  size_t len = 0;
  if (dbn_identity_parse(identity, &role, &name) != 0 || role == DBN_ROLE_AUDITOR)
    return dbn_cli_usage_error(&cli, "'%s' 不是可签名的身份（unit:代码、coordinator:名称 或 admin:名称）",
                               identity);
  if (sodium_hex2bin(public_key, sizeof public_key, hex, strlen(hex), NULL, &len, NULL) != 0 ||
      !dbn_crypto_of_public_len(len, &crypto))
    return dbn_cli_usage_error(&cli,
                               "签名公钥应为 64 位（Ed25519）或 128 位（SM2）十六进制（keygen --self "
                               "打印的那一行），不是 '%s'",
                               hex);
  if ((rc = dbn_cli_check_text(&cli, "NOTE", note, 512, true)) != DBN_CLI_EXIT_OK)
    return rc;
  char key_id[DBN_SIGN_KEY_ID_LEN + 1];
  dbn_sign_key_id(public_key, len, key_id);
  Duban__SigningKeyRegistration reg = DUBAN__SIGNING_KEY_REGISTRATION__INIT;
  reg.identity = (char *)identity;
  reg.public_key.data = public_key;
  reg.public_key.len = len;
  reg.note = (char *)note;
  Duban__Request req = DUBAN__REQUEST__INIT;
  req.body_case = DUBAN__REQUEST__BODY_REGISTER_SIGNING_KEY;
  req.register_signing_key = &reg;
  return dbn_cli_write_and_close(&cli, &req, "已登记 %s 的签名密钥 %s", identity, key_id);
}

int
dbn_cmd_revoke_key(int argc, char **argv)
{
  dbn_cli_t cli;
  dbn_cli_init(&cli, "admin revoke-key", dbn_cli_revoke_key_usage);
  bool done;
  int rc = dbn_cli_parse_common(&cli, argc, argv, 3, 3, &done);
  if (done)
    return rc;
  const char *identity = argv[optind], *key_id = argv[optind + 1], *reason = argv[optind + 2];
  if (strlen(key_id) != DBN_SIGN_KEY_ID_LEN || strspn(key_id, "0123456789abcdef") != DBN_SIGN_KEY_ID_LEN)
    return dbn_cli_usage_error(&cli, "密钥号是 16 位小写十六进制，不是 '%s'", key_id);
  if ((rc = dbn_cli_check_text(&cli, "REASON", reason, 512, false)) != DBN_CLI_EXIT_OK)
    return rc;
  Duban__SigningKeyRevocation rev = DUBAN__SIGNING_KEY_REVOCATION__INIT;
  rev.identity = (char *)identity;
  rev.key_id = (char *)key_id;
  rev.reason = (char *)reason;
  Duban__Request req = DUBAN__REQUEST__INIT;
  req.body_case = DUBAN__REQUEST__BODY_REVOKE_SIGNING_KEY;
  req.revoke_signing_key = &rev;
  return dbn_cli_write_and_close(&cli, &req, "已吊销 %s 的签名密钥 %s", identity, key_id);
}
