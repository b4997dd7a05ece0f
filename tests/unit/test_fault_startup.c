/* test_fault_startup.c: what the broker refuses at start-up.
 *
 * The libzmq version check (older than 4.3.3 has known CURVE flaws) as
 * broker_main.c runs it, with the versions a machine might really have,
 * including ones a packed-number comparison would get wrong. The key folder
 * checks of the ZAP handler: a folder, a clients/ folder or a secret key
 * that others may write or read is refused with a message that says which
 * and how to fix it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zmq.h>

#include "fixture_dir.h"
#include "auth.h"
#include "config.h"
#include "error.h"

static void
test_libzmq_version(void **state)
{
  (void)state;
  setenv("DUBAN_LANG", "en", 1); /* the English half first; the Chinese one below */
  static const struct {
    int major, minor, patch;
    bool ok;
  } versions[] = {
      {4, 3, 3, true},    {4, 3, 4, true},  {4, 3, 5, true},  {4, 4, 0, true},
      {5, 0, 0, true},    {4, 3, 2, false}, {4, 3, 0, false}, {4, 2, 5, false},
      {4, 2, 400, false}, {4, 1, 8, false}, {3, 2, 5, false}, {0, 0, 0, false},
  };
  for (size_t i = 0; i < sizeof versions / sizeof versions[0]; i++) {
    char why[256] = "";
    int rc =
        dbn_broker_check_libzmq(versions[i].major, versions[i].minor, versions[i].patch, why, sizeof why);
    if (versions[i].ok) {
      assert_int_equal(rc, 0);
    } else {
      assert_int_equal(rc, DBN_EVERSION);
      char found[32];
      snprintf(found, sizeof found, "libzmq %d.%d.%d", versions[i].major, versions[i].minor,
               versions[i].patch);
      assert_non_null(strstr(why, found));
      assert_non_null(strstr(why, "4.3.3"));
      assert_non_null(strstr(why, "upgrade"));
      /* Chinese for a person by default (common/lang.h). */
      setenv("DUBAN_LANG", "zh", 1);
      dbn_broker_check_libzmq(versions[i].major, versions[i].minor, versions[i].patch, why, sizeof why);
      assert_non_null(strstr(why, "请升级"));
      setenv("DUBAN_LANG", "en", 1);
    }
  }
  /* And the library this test runs with passes, as the build requires. */
  int major, minor, patch;
  char why[256];
  zmq_version(&major, &minor, &patch);
  assert_int_equal(dbn_broker_check_libzmq(major, minor, patch, why, sizeof why), 0);
}

static void
keygen(const char *dir)
{
  char command[1024];
  snprintf(command, sizeof command, "%s/bin/duban keygen --dir %s unit:LCJ >/dev/null", DUBAN_BINARY_DIR,
           dir);
  assert_int_equal(system(command), 0);
}

static void
expect_refused(void *ctx, const char *dir, const char *path_part, const char *fix)
{
  dbn_auth_t *auth = NULL;
  char why[512] = "";
  int rc = dbn_auth_new(&auth, ctx, dir, why, sizeof why);
  assert_int_equal(rc, DBN_EPERM);
  assert_null(auth);
  if (!strstr(why, path_part) || !strstr(why, fix))
    fail_msg("message '%s' should name '%s' and say '%s'", why, path_part, fix);
}

static void
test_key_folder_others_can_write(void **state)
{
  (void)state;
  char dir[128], path[256];
  fixture_temp_dir(dir, sizeof dir, "keys");
  strcat(dir, "/keys");
  keygen(dir);
  void *ctx = zmq_ctx_new();
  /* What keygen made: the folder and secrets are the owner's only. */
  struct stat st;
  assert_int_equal(stat(dir, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0700);
  snprintf(path, sizeof path, "%s/broker.key_secret", dir);
  assert_int_equal(stat(path, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0600);
  snprintf(path, sizeof path, "%s/unit-LCJ.key_secret", dir);
  assert_int_equal(stat(path, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0600);

  dbn_auth_t *auth = NULL;
  char why[512];
  assert_int_equal(dbn_auth_new(&auth, ctx, dir, why, sizeof why), 0);
  dbn_auth_destroy(&auth);

  chmod(dir, 0770);
  expect_refused(ctx, dir, dir, "chmod go-w");
  chmod(dir, 0707);
  expect_refused(ctx, dir, dir, "chmod go-w");
  chmod(dir, 0700);
  snprintf(path, sizeof path, "%s/clients", dir);
  chmod(path, 0777);
  expect_refused(ctx, dir, "clients", "chmod go-w");
  chmod(path, 0755);
  snprintf(path, sizeof path, "%s/broker.key_secret", dir);
  chmod(path, 0644);
  expect_refused(ctx, dir, "broker.key_secret", "chmod 600");
  chmod(path, 0600);
  /* A fresh context: the first handler's inproc ZAP endpoint is released
   * only when its context ends. */
  zmq_ctx_term(ctx);
  ctx = zmq_ctx_new();
  assert_int_equal(dbn_auth_new(&auth, ctx, dir, why, sizeof why), 0);
  dbn_auth_destroy(&auth);
  zmq_ctx_term(ctx);
  dir[strlen(dir) - strlen("/keys")] = '\0'; /* the scratch directory above keys */
  fixture_remove_dir(dir);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_libzmq_version),
      cmocka_unit_test(test_key_folder_others_can_write),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
