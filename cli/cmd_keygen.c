/* cmd_keygen.c: `duban keygen`, the CURVE keys of a deployment.
 *
 * Identity comes from the transport (DESIGN invariant 1): the broker knows
 * a client by its public key alone, and maps it to "unit:JTJ",
 * "coordinator:office"... through the "identity" metadata of the public
 * copies in KEYS/clients/. This command writes those files with CZMQ's
 * zcert, in the layout the broker and the agents read:
 *
 *   KEYS/broker.key, KEYS/broker.key_secret      the broker's pair
 *   KEYS/NAME.key, KEYS/NAME.key_secret          one pair per identity
 *   KEYS/clients/NAME.key                        the public copy the broker loads
 *   KEYS/broker.sign, KEYS/broker.sign_secret    the broker's pair that signs checkpoints
 *                                                (store/checkpoint.h): Ed25519, or SM2 with --crypto sm
 *
 * NAME is the identity with ':' turned to '-'. Existing keys are kept, so
 * running it again after adding a unit to the plan only adds that unit's
 * key. Secrets are readable by their owner only. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <czmq.h>
#include <sodium.h>

#include "checkpoint.h"
#include "cli.h"
#include "identity.h"
#include "lang.h"

static const char keygen_usage[] =
    "usage: duban keygen --dir KEYS [--plan PLAN.json] [IDENTITY...] [--crypto sm] [--json]\n"
    "       duban keygen --self IDENTITY --dir KEYS [--crypto sm] [--json]\n"
    "\n"
    "--self: on the department's (or coordinator's, admin's) own host, make its\n"
    "CURVE pair KEYS/NAME.key (+ _secret) and its signing pair (Ed25519; SM2\n"
    "with --crypto sm, for a log of the 国密 profile)\n"
    "KEYS/NAME.sign (+ _secret), and print only the public parts: send NAME.key\n"
    "to the broker's admin for KEYS/clients/, and the signing key for\n"
    "`duban admin register-key`. The secrets never leave this host.\n"
    "\n"
    "Make the CURVE keys of a deployment: KEYS/broker.key (+ _secret) unless\n"
    "present, and for each IDENTITY a pair KEYS/NAME.key + KEYS/NAME.key_secret\n"
    "and a public copy KEYS/clients/NAME.key carrying the identity, which the\n"
    "broker reads to know who a key belongs to. NAME is the identity with ':'\n"
    "as '-'. Existing keys are kept. The broker also gets KEYS/broker.sign (+\n"
    "_secret), the key it signs checkpoints of the log with (SM2 with\n"
    "--crypto sm): give\n"
    "broker.sign to every department and auditor, like broker.key.\n"
    "\n"
    "IDENTITY is unit:CODE, coordinator:NAME, auditor:NAME or admin:NAME; CODE\n"
    "and NAME are 1..64 of A-Z a-z 0-9 _ -. With --plan, one unit:CODE for each\n"
    "of the plan's units, plus coordinator:office, auditor:audit and\n"
    "admin:admin.\n"
    "\n"
    "The directory is made mode 0700, secret files 0600, public ones 0644.\n"
    "\n"
    "  --dir KEYS     where the keys go (created if missing)\n"
    "  --plan FILE    a plan in JSON (duban-plan/1): keys for all its units\n"
    "  --crypto P     the signing keys' profile: ed25519-blake2b (default) or sm\n"
    "                 (SM2), that of the log they will sign in (duban-broker --crypto)\n"
    "  --json         print {\"dir\": ..., \"keys\": [...]}\n"
    "  --help         this text\n";

#define MAX_NAME 64

/* True if identity is ROLE:NAME as domain/identity.h reads it, with a name
 * keygen will also put in a file name: keygen refuses the '.' and the
 * leading '-' that the broker would accept, as it always has. */
static bool
identity_valid(const char *identity)
{
  dbn_role_t role;
  const char *name;
  if (dbn_identity_parse(identity, &role, &name) != 0)
    return false;
  return name[0] != '-' && strchr(name, '.') == NULL;
}

/* A list of identities without repeats; owned strings. */
typedef struct {
  char **items;    /* owned */
  size_t count;    /* used */
  size_t capacity; /* allocated */
} identities_t;

static int
identities_add(identities_t *ids, const char *identity)
{
  for (size_t i = 0; i < ids->count; i++)
    if (strcmp(ids->items[i], identity) == 0)
      return 0;
  if (ids->count == ids->capacity) {
    size_t capacity = ids->capacity ? ids->capacity * 2 : 16;
    char **bigger = realloc(ids->items, capacity * sizeof *bigger);
    if (!bigger)
      return DBN_ENOMEM;
    ids->items = bigger;
    ids->capacity = capacity;
  }
  if (!(ids->items[ids->count] = strdup(identity)))
    return DBN_ENOMEM;
  ids->count++;
  return 0;
}

static void
identities_clear(identities_t *ids)
{
  for (size_t i = 0; i < ids->count; i++)
    free(ids->items[i]);
  free(ids->items);
  memset(ids, 0, sizeof *ids);
}

/* Add unit:CODE for every unit of the plan in path, and the three roles. */
static int
identities_from_plan(const dbn_cli_t *cli, identities_t *ids, const char *path)
{
  char *text;
  int err = dbn_cli_read_file(path, DBN_MAX_MESSAGE, &text, NULL);
  if (err != 0)
    return dbn_cli_fail(dbn_wire_code_name(dbn_wire_error_code(err)),
                        dbn_tr("无法读取计划 %s：%s", "cannot read plan %s: %s"), path, dbn_strerror(err));
  cJSON *plan = cJSON_Parse(text);
  free(text);
  if (!plan)
    return dbn_cli_fail("invalid_argument", dbn_tr("%s 不是 JSON", "%s is not JSON"), path);
  int rc = DBN_CLI_EXIT_OK;
  const cJSON *units = cJSON_GetObjectItemCaseSensitive(plan, "units");
  if (!cJSON_IsArray(units)) {
    rc = dbn_cli_fail("invalid_argument", dbn_tr("%s 中没有 \"units\" 数组", "%s has no \"units\" array"),
                      path);
  } else {
    const cJSON *unit;
    cJSON_ArrayForEach(unit, units)
    {
      const cJSON *code = cJSON_GetObjectItemCaseSensitive(unit, "code");
      char identity[MAX_NAME + 16];
      if (!cJSON_IsString(code) || strlen(code->valuestring) > MAX_NAME) {
        rc = dbn_cli_fail("invalid_argument",
                          dbn_tr("%s：有单位没有可用的 \"code\"", "%s: a unit without a usable \"code\""),
                          path);
        break;
      }
      snprintf(identity, sizeof identity, "unit:%s", code->valuestring);
      if (!identity_valid(identity)) {
        rc = dbn_cli_usage_error(cli,
                                 dbn_tr("%2$s 中的单位代码 '%1$s' 不能作密钥名（只能用 A-Z a-z 0-9 _ -）",
                                        "unit code '%s' in %s cannot name a key (A-Z a-z 0-9 _ - only)"),
                                 code->valuestring, path);
        break;
      }
      if (identities_add(ids, identity) != 0) {
        rc = dbn_cli_fail("resource_exhausted", "%s", dbn_tr("内存不足", "out of memory"));
        break;
      }
    }
  }
  cJSON_Delete(plan);
  static const char *const roles[] = {"coordinator:office", "auditor:audit", "admin:admin"};
  for (size_t i = 0; rc == DBN_CLI_EXIT_OK && i < sizeof roles / sizeof roles[0]; i++)
    if (identities_add(ids, roles[i]) != 0)
      rc = dbn_cli_fail("resource_exhausted", "%s", dbn_tr("内存不足", "out of memory"));
  return rc;
}

static bool
exists(const char *path)
{
  struct stat st;
  return stat(path, &st) == 0;
}

static int
make_dir(const char *path)
{
  if (mkdir(path, 0700) != 0 && errno != EEXIST)
    return dbn_cli_fail("invalid_argument", dbn_tr("无法创建 %s：%s", "cannot create %s: %s"), path,
                        strerror(errno));
  if (chmod(path, 0700) != 0)
    return dbn_cli_fail("invalid_argument", dbn_tr("无法设置 %s 的权限：%s", "cannot set the mode of %s: %s"),
                        path, strerror(errno));
  return DBN_CLI_EXIT_OK;
}

/* Save cert as base (public) + base_secret, and optionally a public copy. */
static int
save_cert(zcert_t *cert, const char *base, const char *public_copy)
{
  char secret[PATH_MAX];
  if (snprintf(secret, sizeof secret, "%s_secret", base) >= (int)sizeof secret)
    return dbn_cli_fail("invalid_argument", dbn_tr("密钥路径太长：%s", "key path too long: %s"), base);
  if (zcert_save(cert, base) != 0)
    return dbn_cli_fail("internal", dbn_tr("无法写入 %s 或 %s", "cannot write %s or %s"), base, secret);
  if (chmod(secret, 0600) != 0 || chmod(base, 0644) != 0)
    return dbn_cli_fail("internal", dbn_tr("无法设置 %s 的权限：%s", "cannot set the mode of %s: %s"), base,
                        strerror(errno));
  if (public_copy) {
    if (zcert_save_public(cert, public_copy) != 0)
      return dbn_cli_fail("internal", dbn_tr("无法写入 %s", "cannot write %s"), public_copy);
    if (chmod(public_copy, 0644) != 0)
      return dbn_cli_fail("internal", dbn_tr("无法设置 %s 的权限：%s", "cannot set the mode of %s: %s"),
                          public_copy, strerror(errno));
  }
  return DBN_CLI_EXIT_OK;
}

/* Make (or keep) one pair. identity NULL is the broker. *created_p says
 * which. */
static int
make_key(const char *dir, const char *identity, bool with_copy, bool *created_p, char *public_path,
         size_t public_len)
{
  char name[MAX_NAME + 16], base[PATH_MAX], secret[PATH_MAX], copy[PATH_MAX];
  snprintf(name, sizeof name, "%s", identity ? identity : "broker");
  for (char *p = name; *p; p++)
    if (*p == ':')
      *p = '-';
  if (snprintf(base, sizeof base, "%s/%s.key", dir, name) >= (int)sizeof base ||
      snprintf(secret, sizeof secret, "%s_secret", base) >= (int)sizeof secret ||
      snprintf(copy, sizeof copy, "%s/clients/%s.key", dir, name) >= (int)sizeof copy)
    return dbn_cli_fail("invalid_argument", "%s",
                        dbn_tr("密钥目录的路径太长", "key directory path too long"));
  snprintf(public_path, public_len, "%s", base);
  *created_p = false;

  bool have_public = exists(base), have_secret = exists(secret);
  if (have_public != have_secret)
    return dbn_cli_fail("failed_precondition",
                        dbn_tr("有 %s 而没有 %s：请删除剩下的那个，再运行 keygen",
                               "%s without %s: remove the one left and run keygen again"),
                        have_public ? base : secret, have_public ? secret : base);
  if (have_public) {
    /* Kept; restore a missing public copy from the kept pair. */
    if (identity && with_copy && !exists(copy)) {
      zcert_t *cert = zcert_load(base);
      if (!cert)
        return dbn_cli_fail("invalid_argument", dbn_tr("%s 不是密钥文件", "%s is not a key file"), base);
      int rc = DBN_CLI_EXIT_OK;
      if (zcert_save_public(cert, copy) != 0 || chmod(copy, 0644) != 0)
        rc = dbn_cli_fail("internal", dbn_tr("无法写入 %s", "cannot write %s"), copy);
      zcert_destroy(&cert);
      return rc;
    }
    return DBN_CLI_EXIT_OK;
  }

  zcert_t *cert = zcert_new();
  if (!cert)
    return dbn_cli_fail("internal", "%s", dbn_tr("无法生成密钥对", "cannot make a key pair"));
  zcert_set_meta(cert, "identity", "%s", identity ? identity : "broker");
  int rc = save_cert(cert, base, identity && with_copy ? copy : NULL);
  zcert_destroy(&cert);
  if (rc == DBN_CLI_EXIT_OK)
    *created_p = true;
  return rc;
}

/* Read keygen's options: --dir (required) and --plan. Returns the exit
 * code, with *done_p true when there is nothing more to do (after --help or
 * a usage error); else the identities start at argv[optind]. */
static int
parse_keygen(dbn_cli_t *cli, int argc, char **argv, const char **dir_p, const char **plan_p,
             const char **self_p, dbn_crypto_t *crypto_p, bool *done_p)
{
  enum { OPT_DIR = DBN_CLI_OPT_FIRST_FREE, OPT_PLAN, OPT_SELF, OPT_CRYPTO };
  static const struct option options[] = {
      {"dir", required_argument, NULL, OPT_DIR},
      {"self", required_argument, NULL, OPT_SELF},
      {"plan", required_argument, NULL, OPT_PLAN},
      {"json", no_argument, NULL, DBN_CLI_OPT_JSON},
      {"crypto", required_argument, NULL, OPT_CRYPTO},
      {"help", no_argument, NULL, DBN_CLI_OPT_HELP},
      {0},
  };
  int opt, rc;
  optind = 0;
  *done_p = true;
  while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
    if (opt == OPT_DIR)
      *dir_p = optarg;
    else if (opt == OPT_PLAN)
      *plan_p = optarg;
    else if (opt == OPT_SELF)
      *self_p = optarg;
    else if (opt == OPT_CRYPTO) {
      if (dbn_crypto_parse(optarg, crypto_p) != 0)
        return dbn_cli_usage_error(cli, "--crypto 应为 ed25519-blake2b 或 sm，不是 '%s'", optarg);
    } else if ((rc = dbn_cli_common_option(cli, opt, optarg)) != 0)
      return rc;
  }
  rc = dbn_cli_finish_options(cli, argc - optind, 0, -1, done_p);
  if (rc == DBN_CLI_EXIT_OK && !*done_p) {
    if (!*dir_p || !(*dir_p)[0])
      rc = dbn_cli_usage_error(cli, "%s", dbn_tr("必须给出 --dir KEYS", "--dir KEYS is required"));
    else if (strlen(*dir_p) > PATH_MAX - 128)
      rc = dbn_cli_usage_error(cli, "%s", dbn_tr("--dir 的路径太长", "--dir path too long"));
  }
  if (rc != DBN_CLI_EXIT_OK)
    *done_p = true;
  return rc;
}

/* The identities named on the command line (argv[first..argc)), then those
 * of the plan in plan_path when not NULL. */
static int
collect_identities(const dbn_cli_t *cli, int argc, char **argv, int first, const char *plan_path,
                   identities_t *ids)
{
  int rc = DBN_CLI_EXIT_OK;
  for (int i = first; rc == DBN_CLI_EXIT_OK && i < argc; i++) {
    if (!identity_valid(argv[i]))
      rc = dbn_cli_usage_error(
          cli,
          dbn_tr("'%s' 不是身份：应为 unit:代码、coordinator:名称、auditor:名称 或 "
                 "admin:名称（名称由 A-Z a-z 0-9 _ - 组成，最多 %d 个）",
                 "'%s' is not an identity: say unit:CODE, coordinator:NAME, auditor:NAME or "
                 "admin:NAME (NAME of A-Z a-z 0-9 _ -, at most %d)"),
          argv[i], MAX_NAME);
    else if (identities_add(ids, argv[i]) != 0)
      rc = dbn_cli_fail("resource_exhausted", "%s", dbn_tr("内存不足", "out of memory"));
  }
  if (rc == DBN_CLI_EXIT_OK && plan_path)
    rc = identities_from_plan(cli, ids, plan_path);
  return rc;
}

/* Make (or keep) the broker's checkpoint signing pair; say so in keys (JSON)
 * or a line. */
static int
make_sign_key(const char *dir, dbn_crypto_t crypto, cJSON *keys)
{
  bool created = false;
  int err = dbn_sign_key_make(dir, crypto, &created);
  if (err == DBN_ESTATE)
    return dbn_cli_fail("failed_precondition",
                        "%s/broker.sign 已存在，但不是 %s 配置的密钥：每种密码配置用各自的密钥目录", dir,
                        dbn_crypto_name(crypto));
  if (err == DBN_EEXIST)
    return dbn_cli_fail(
        "failed_precondition",
        dbn_tr("%s/broker.sign 和 broker.sign_secret 只有一个：请删除剩下的那个，再运行 keygen",
               "%s/broker.sign without broker.sign_secret (or the reverse): remove the one left and "
               "run keygen again"),
        dir);
  if (err)
    return dbn_cli_fail("internal", dbn_tr("无法写入 %s/broker.sign：%s", "cannot write %s/broker.sign: %s"),
                        dir, dbn_strerror(err));
  char path[PATH_MAX];
  snprintf(path, sizeof path, "%s/broker.sign", dir);
  if (keys) {
    cJSON *key = cJSON_CreateObject();
    if (!key)
      return dbn_cli_fail("resource_exhausted", "%s", dbn_tr("内存不足", "out of memory"));
    cJSON_AddStringToObject(key, "identity", "broker-sign");
    cJSON_AddStringToObject(key, "key", path);
    cJSON_AddBoolToObject(key, "created", created);
    cJSON_AddItemToArray(keys, key);
  } else {
    printf(dbn_tr("%s  %-28s %s\n", "%-8s %-28s %s\n"),
           created ? dbn_tr("已生成", "created") : dbn_tr("已保留", "kept"), "broker-sign", path);
  }
  return DBN_CLI_EXIT_OK;
}

/* Make (or keep) the broker's pair and one for each identity in dir, and
 * say which: a line each, or with json one object listing them all. */
static int
make_keys(const char *dir, const identities_t *ids, dbn_crypto_t crypto, bool json_output)
{
  /* Everything created from here on is private unless opened up below. */
  umask(077);
  char clients[PATH_MAX];
  snprintf(clients, sizeof clients, "%s/clients", dir);
  int rc = make_dir(dir);
  if (rc == DBN_CLI_EXIT_OK)
    rc = make_dir(clients);

  cJSON *json = NULL, *keys = NULL;
  if (rc == DBN_CLI_EXIT_OK && json_output) {
    json = cJSON_CreateObject();
    if (json) {
      cJSON_AddStringToObject(json, "dir", dir);
      keys = cJSON_AddArrayToObject(json, "keys");
    }
    if (!keys)
      rc = dbn_cli_fail("resource_exhausted", "%s", dbn_tr("内存不足", "out of memory"));
  }
  for (size_t i = 0; rc == DBN_CLI_EXIT_OK && i <= ids->count; i++) {
    const char *identity = i == 0 ? NULL : ids->items[i - 1];
    char public_path[PATH_MAX];
    bool created = false;
    rc = make_key(dir, identity, true, &created, public_path, sizeof public_path);
    if (rc != DBN_CLI_EXIT_OK)
      break;
    if (keys) {
      cJSON *key = cJSON_CreateObject();
      if (!key) {
        rc = dbn_cli_fail("resource_exhausted", "%s", dbn_tr("内存不足", "out of memory"));
        break;
      }
      cJSON_AddStringToObject(key, "identity", identity ? identity : "broker");
      cJSON_AddStringToObject(key, "key", public_path);
      cJSON_AddBoolToObject(key, "created", created);
      cJSON_AddItemToArray(keys, key);
    } else {
      printf(dbn_tr("%s  %-28s %s\n", "%-8s %-28s %s\n"),
             created ? dbn_tr("已生成", "created") : dbn_tr("已保留", "kept"), identity ? identity : "broker",
             public_path);
    }
  }
  if (rc == DBN_CLI_EXIT_OK)
    rc = make_sign_key(dir, crypto, keys);
  if (json) {
    if (rc == DBN_CLI_EXIT_OK)
      rc = dbn_cli_print_json(stdout, json);
    else
      cJSON_Delete(json);
  }
  return rc;
}

/* Print the public parts of --self's keys, for the admin. */
static int
print_self(const char *identity, const char *curve_public, const char *sign_public, bool json_output)
{
  dbn_sign_key_t key;
  if (dbn_sign_key_load_public(&key, sign_public) != 0)
    return dbn_cli_fail("internal", dbn_tr("无法读取 %s", "cannot read %s"), sign_public);
  char hex[2 * DBN_SIGN_PUBLIC_MAX + 1];
  sodium_bin2hex(hex, sizeof hex, key.public_key, key.public_len);
  if (json_output) {
    cJSON *json = cJSON_CreateObject();
    if (!json)
      return dbn_cli_fail("resource_exhausted", "%s", dbn_tr("内存不足", "out of memory"));
    cJSON_AddStringToObject(json, "identity", identity);
    cJSON_AddStringToObject(json, "curve_public_cert", curve_public);
    cJSON_AddStringToObject(json, "signing_public_key", hex);
    cJSON_AddStringToObject(json, "signing_key_id", key.key_id);
    cJSON_AddStringToObject(json, "crypto", dbn_crypto_name(key.crypto));
    return dbn_cli_print_json(stdout, json);
  }
  printf("%s 的密钥已在本机生成；私钥（*_secret，权限 600）留在本机，只把下面两项交给管理员：\n"
         "  CURVE 公钥证书：%s  （放入代理的 KEYS/clients/）\n"
         "  签名公钥：%s  （密钥号 %s）\n"
         "管理员登记：duban admin register-key %s %s\n",
         identity, curve_public, hex, key.key_id, identity, hex);
  return DBN_CLI_EXIT_OK;
}

/* keygen --self: the holder's own CURVE and signing pairs, secrets kept here. */
static int
make_self(const char *dir, const char *identity, dbn_crypto_t crypto, bool json_output)
{
  umask(077);
  int rc = make_dir(dir);
  char curve_public[PATH_MAX], name[MAX_NAME + 16], sign_public[PATH_MAX];
  bool created;
  if (rc == DBN_CLI_EXIT_OK)
    rc = make_key(dir, identity, false, &created, curve_public, sizeof curve_public);
  if (rc != DBN_CLI_EXIT_OK)
    return rc;
  snprintf(name, sizeof name, "%s", identity);
  for (char *p = name; *p; p++)
    if (*p == ':')
      *p = '-';
  int err = dbn_sign_key_make_named(dir, name, crypto, &created);
  if (err == DBN_ESTATE)
    return dbn_cli_fail("failed_precondition", "%s/%s.sign 已存在，但不是 %s 配置的密钥：请换一个 --dir", dir,
                        name, dbn_crypto_name(crypto));
  if (err)
    return dbn_cli_fail(
        err == DBN_EEXIST ? "failed_precondition" : "internal",
        dbn_tr("无法生成 %s/%s.sign：%s（请删除落单的 .sign 或 .sign_secret 后再运行）",
               "cannot make %s/%s.sign: %s (remove a lone .sign or .sign_secret and run again)"),
        dir, name, dbn_strerror(err));
  snprintf(sign_public, sizeof sign_public, "%s/%s.sign", dir, name);
  return print_self(identity, curve_public, sign_public, json_output);
}

int
dbn_cmd_keygen(int argc, char **argv)
{
  dbn_cli_t cli;
  dbn_cli_init(&cli, "keygen", keygen_usage);
  const char *dir = NULL, *plan = NULL, *self = NULL;
  dbn_crypto_t crypto = DBN_CRYPTO_ED25519_BLAKE2B;
  bool done;
  int rc = parse_keygen(&cli, argc, argv, &dir, &plan, &self, &crypto, &done);
  if (done)
    return rc;
  if (self) {
    if (!identity_valid(self) || strncmp(self, "auditor:", 8) == 0)
      return dbn_cli_usage_error(&cli,
                                 dbn_tr("--self 要 unit:代码、coordinator:名称 或 admin:名称，而不是 '%s'",
                                        "--self wants unit:CODE, coordinator:NAME or admin:NAME, not '%s'"),
                                 self);
    if (plan || optind < argc)
      return dbn_cli_usage_error(&cli, "%s",
                                 dbn_tr("--self 只生成一个身份的密钥：不能再给 --plan 或其他身份",
                                        "--self makes one identity's keys: no --plan, no more identities"));
    return make_self(dir, self, crypto, cli.json);
  }
  identities_t ids = {0};
  rc = collect_identities(&cli, argc, argv, optind, plan, &ids);
  if (rc == DBN_CLI_EXIT_OK)
    rc = make_keys(dir, &ids, crypto, cli.json);
  identities_clear(&ids);
  return rc;
}
