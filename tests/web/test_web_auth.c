/* test_web_auth.c: the web library's accounts file, sessions (expiry,
 * CSRF comparison, the failed-login limit) and the static path rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "assets.h"
#include "error.h"
#include "session.h"
#include "users.h"

static char dir[64];
static char path[128];

static int
setup(void **state)
{
  (void)state;
  strcpy(dir, "/tmp/duban-web-XXXXXX");
  assert_non_null(mkdtemp(dir));
  snprintf(path, sizeof path, "%s/users", dir);
  return 0;
}

static int
teardown(void **state)
{
  (void)state;
  unlink(path);
  rmdir(dir);
  return 0;
}

static void
users_round_trip(void **state)
{
  (void)state;
  dbn_web_users_t *users;
  assert_int_equal(dbn_web_users_load(&users, path), 0);
  assert_int_equal(dbn_web_users_count(users), 0);
  assert_int_equal(dbn_web_users_add(users, "张三", DBN_WEB_ROLE_CLERK, "fgw", "password-1"), 0);
  assert_int_equal(dbn_web_users_add(users, "李四", DBN_WEB_ROLE_COORDINATOR, "", "password-2"), 0);
  assert_int_equal(dbn_web_users_add(users, "张三", DBN_WEB_ROLE_CLERK, "fgw", "password-3"), DBN_EEXIST);
  assert_int_equal(dbn_web_users_save(users), 0);
  dbn_web_users_destroy(&users);
  assert_null(users);

  struct stat st;
  assert_int_equal(stat(path, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0600);

  assert_int_equal(dbn_web_users_load(&users, path), 0);
  assert_int_equal(dbn_web_users_count(users), 2);
  dbn_web_user_t user;
  assert_int_equal(dbn_web_users_verify(users, "张三", "password-1", &user), 0);
  assert_string_equal(user.unit, "fgw");
  assert_int_equal(user.role, DBN_WEB_ROLE_CLERK);
  assert_int_equal(dbn_web_users_verify(users, "张三", "password-2", NULL), DBN_EUNAUTH);
  assert_int_equal(dbn_web_users_verify(users, "王五", "password-1", NULL), DBN_EUNAUTH);
  assert_int_equal(dbn_web_users_passwd(users, "李四", "new-password"), 0);
  assert_int_equal(dbn_web_users_verify(users, "李四", "new-password", NULL), 0);
  assert_int_equal(dbn_web_users_remove(users, "张三"), 0);
  assert_int_equal(dbn_web_users_remove(users, "张三"), DBN_ENOTFOUND);
  assert_int_equal(dbn_web_users_count(users), 1);
  dbn_web_users_destroy(&users);
}

/* gone() for users_refresh: the names, joined by ','. */
static void
note_gone(const char *name, void *arg)
{
  char *names = arg;
  if (names[0])
    strcat(names, ",");
  strcat(names, name);
}

static void
users_refresh(void **state)
{
  (void)state;
  dbn_web_users_t *server, *other;
  assert_int_equal(dbn_web_users_load(&other, path), 0);
  assert_int_equal(dbn_web_users_add(other, "张三", DBN_WEB_ROLE_CLERK, "fgw", "password-1"), 0);
  assert_int_equal(dbn_web_users_add(other, "李四", DBN_WEB_ROLE_COORDINATOR, "", "password-2"), 0);
  assert_int_equal(dbn_web_users_save(other), 0);
  assert_int_equal(dbn_web_users_load(&server, path), 0);
  char gone[256] = "";
  bool changed = true;
  assert_int_equal(dbn_web_users_refresh(server, &changed, note_gone, gone), 0);
  assert_false(changed); /* nothing changed on disk */

  /* Another program adds 王五 and removes 张三: the server sees both. */
  assert_int_equal(dbn_web_users_add(other, "王五", DBN_WEB_ROLE_AUDITOR, "", "password-3"), 0);
  assert_int_equal(dbn_web_users_remove(other, "张三"), 0);
  assert_int_equal(dbn_web_users_save(other), 0);
  assert_int_equal(dbn_web_users_refresh(server, &changed, note_gone, gone), 0);
  assert_true(changed);
  assert_string_equal(gone, "张三");
  assert_int_equal(dbn_web_users_verify(server, "王五", "password-3", NULL), 0);
  assert_null(dbn_web_users_find(server, "张三"));

  /* A new password counts as gone (its sessions end); the others do not. */
  gone[0] = '\0';
  assert_int_equal(dbn_web_users_passwd(other, "李四", "password-4"), 0);
  assert_int_equal(dbn_web_users_save(other), 0);
  assert_int_equal(dbn_web_users_refresh(server, &changed, note_gone, gone), 0);
  assert_string_equal(gone, "李四");

  /* A group-writable file is refused and the set stays. */
  assert_int_equal(dbn_web_users_add(other, "赵六", DBN_WEB_ROLE_ADMIN, "", "password-5"), 0);
  assert_int_equal(dbn_web_users_save(other), 0);
  assert_int_equal(chmod(path, 0664), 0);
  assert_int_equal(dbn_web_users_refresh(server, &changed, note_gone, gone), DBN_EPERM);
  assert_null(dbn_web_users_find(server, "赵六"));
  assert_non_null(dbn_web_users_find(server, "王五"));
  assert_int_equal(chmod(path, 0600), 0);
  assert_int_equal(dbn_web_users_refresh(server, &changed, NULL, NULL), 0);
  assert_true(changed);
  assert_non_null(dbn_web_users_find(server, "赵六"));

  /* A file that went away keeps the set. */
  assert_int_equal(unlink(path), 0);
  assert_int_equal(dbn_web_users_refresh(server, &changed, NULL, NULL), 0);
  assert_false(changed);
  assert_int_equal(dbn_web_users_count(server), 3);
  dbn_web_users_destroy(&server);
  dbn_web_users_destroy(&other);
}

static void
users_refuse_bad_input(void **state)
{
  (void)state;
  dbn_web_users_t *users;
  assert_int_equal(dbn_web_users_load(&users, path), 0);
  assert_int_equal(dbn_web_users_add(users, "a:b", DBN_WEB_ROLE_ADMIN, "", "password-1"), DBN_EINVAL);
  assert_int_equal(dbn_web_users_add(users, "a\nb", DBN_WEB_ROLE_ADMIN, "", "password-1"), DBN_EINVAL);
  assert_int_equal(dbn_web_users_add(users, "", DBN_WEB_ROLE_ADMIN, "", "password-1"), DBN_EINVAL);
  assert_int_equal(dbn_web_users_add(users, "\xff\xfe", DBN_WEB_ROLE_ADMIN, "", "password-1"), DBN_EINVAL);
  assert_int_equal(dbn_web_users_add(users, "clerk", DBN_WEB_ROLE_CLERK, "", "password-1"), DBN_EINVAL);
  assert_int_equal(dbn_web_users_add(users, "admin", DBN_WEB_ROLE_ADMIN, "", "short"), DBN_EINVAL);
  dbn_web_users_destroy(&users);

  /* A group-writable file is refused: anyone in the group could add an admin. */
  FILE *file = fopen(path, "w");
  assert_non_null(file);
  fputs("x:admin::$argon2id$v=19$m=65536,t=2,p=1$abc$def\n", file);
  fclose(file);
  chmod(path, 0620);
  assert_int_equal(dbn_web_users_load(&users, path), DBN_EPERM);
  chmod(path, 0600);
  assert_int_equal(dbn_web_users_load(&users, path), 0);
  dbn_web_users_destroy(&users);

  file = fopen(path, "w");
  fputs("broken line without fields\n", file);
  fclose(file);
  assert_int_equal(dbn_web_users_load(&users, path), DBN_ECORRUPT);

  enum dbn_web_role role;
  assert_int_equal(dbn_web_role_parse("auditor", &role), 0);
  assert_int_equal(role, DBN_WEB_ROLE_AUDITOR);
  assert_int_equal(dbn_web_role_parse("root", &role), DBN_EINVAL);
}

static time_t fake_now = 1000000;

static time_t
fake_clock(void *arg)
{
  (void)arg;
  return fake_now;
}

static const dbn_web_user_t clerk = {.name = "张三", .role = DBN_WEB_ROLE_CLERK, .unit = "fgw"};

static void
session_expiry(void **state)
{
  (void)state;
  dbn_web_sessions_t *s;
  assert_int_equal(dbn_web_sessions_new(&s, 0, 0), 0);
  dbn_web_sessions_set_clock(s, fake_clock, NULL);
  char token[DBN_WEB_TOKEN_HEX + 1], other[DBN_WEB_TOKEN_HEX + 1];
  assert_int_equal(dbn_web_sessions_create(s, &clerk, token), 0);
  assert_int_equal(dbn_web_sessions_create(s, &clerk, other), 0);
  assert_int_equal(strlen(token), DBN_WEB_TOKEN_HEX);
  assert_string_not_equal(token, other);
  dbn_web_session_info_t info;
  assert_int_equal(dbn_web_sessions_lookup(s, token, &info), 0);
  assert_string_equal(info.name, "张三");
  assert_string_equal(info.unit, "fgw");
  assert_int_equal(strlen(info.csrf), DBN_WEB_TOKEN_HEX);

  /* Idle: used every 29 minutes it lives; 30 idle minutes end it. */
  for (int i = 0; i < 20; i++) {
    fake_now += 29 * 60;
    assert_int_equal(dbn_web_sessions_lookup(s, token, &info), 0);
  }
  /* ... but not past 12 hours in all (20 × 29 min = 9h40; 5 more = 12h05). */
  for (int i = 0; i < 4; i++) {
    fake_now += 29 * 60;
    assert_int_equal(dbn_web_sessions_lookup(s, token, &info), 0);
  }
  fake_now += 29 * 60;
  assert_int_equal(dbn_web_sessions_lookup(s, token, &info), DBN_ENOTFOUND);
  /* The other one sat idle all along. */
  assert_int_equal(dbn_web_sessions_lookup(s, other, &info), DBN_ENOTFOUND);

  char third[DBN_WEB_TOKEN_HEX + 1];
  assert_int_equal(dbn_web_sessions_create(s, &clerk, third), 0);
  dbn_web_sessions_remove(s, third);
  assert_int_equal(dbn_web_sessions_lookup(s, third, &info), DBN_ENOTFOUND);
  assert_int_equal(dbn_web_sessions_lookup(s, "not-a-token", &info), DBN_ENOTFOUND);
  assert_int_equal(dbn_web_sessions_lookup(s, NULL, &info), DBN_ENOTFOUND);
  dbn_web_sessions_destroy(&s);
}

static void
csrf_compare(void **state)
{
  (void)state;
  assert_true(dbn_web_csrf_equal("abcdef", "abcdef"));
  assert_false(dbn_web_csrf_equal("abcdef", "abcdeg"));
  assert_false(dbn_web_csrf_equal("abcdef", "abcde"));
  assert_false(dbn_web_csrf_equal("abcdef", "abcdefg"));
  assert_false(dbn_web_csrf_equal("abcdef", ""));
  assert_false(dbn_web_csrf_equal("abcdef", NULL));
  assert_false(dbn_web_csrf_equal(NULL, "abcdef"));
}

static void
login_limit(void **state)
{
  (void)state;
  dbn_web_sessions_t *s;
  assert_int_equal(dbn_web_sessions_new(&s, 0, 0), 0);
  dbn_web_sessions_set_clock(s, fake_clock, NULL);
  int wait = -1;
  for (int i = 0; i < DBN_WEB_LOGIN_FAILURES - 1; i++) {
    assert_true(dbn_web_login_allowed(s, "张三", "10.0.0.1", &wait));
    dbn_web_login_failed(s, "张三", "10.0.0.1");
  }
  assert_true(dbn_web_login_allowed(s, "张三", "10.0.0.1", &wait));
  assert_int_equal(wait, 0);
  dbn_web_login_failed(s, "张三", "10.0.0.1");
  /* Locked by name, from any address, and this address for any name. */
  assert_false(dbn_web_login_allowed(s, "张三", "10.0.0.2", &wait));
  assert_int_equal(wait, DBN_WEB_LOGIN_LOCKOUT);
  assert_false(dbn_web_login_allowed(s, "李四", "10.0.0.1", NULL));
  assert_true(dbn_web_login_allowed(s, "李四", "10.0.0.2", NULL));
  fake_now += DBN_WEB_LOGIN_LOCKOUT - 1;
  assert_false(dbn_web_login_allowed(s, "张三", "10.0.0.2", &wait));
  assert_int_equal(wait, 1);
  fake_now += 1;
  assert_true(dbn_web_login_allowed(s, "张三", "10.0.0.2", NULL));

  /* Failures spread wider than the window do not add up. */
  for (int i = 0; i < 10; i++) {
    dbn_web_login_failed(s, "王五", "10.0.0.3");
    fake_now += DBN_WEB_LOGIN_WINDOW / 4 + 1;
  }
  assert_true(dbn_web_login_allowed(s, "王五", "10.0.0.3", NULL));
  /* A success clears the name's count. */
  for (int i = 0; i < DBN_WEB_LOGIN_FAILURES - 1; i++)
    dbn_web_login_failed(s, "赵六", "10.0.0.4");
  dbn_web_login_succeeded(s, "赵六");
  dbn_web_login_failed(s, "赵六", "10.0.0.5");
  assert_true(dbn_web_login_allowed(s, "赵六", "10.0.0.5", NULL));
  dbn_web_sessions_destroy(&s);
}

static void
static_paths(void **state)
{
  (void)state;
  assert_true(dbn_web_static_path_ok("common/style.css"));
  assert_true(dbn_web_static_path_ok("vendor/echarts/echarts.min.js"));
  const char *bad[] = {"../etc/passwd",
                       "common/../../x",
                       "..",
                       "%2e%2e/x",
                       "%2E%2e/x",
                       ".%2e/x",
                       "common%2fx",
                       "common%2F..%2Fx",
                       "common\\..\\x",
                       "common/%5c",
                       "a%00b",
                       "/etc/passwd",
                       "a//b",
                       "",
                       "a\x01"
                       "b"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    assert_false(dbn_web_static_path_ok(bad[i]));
  assert_false(dbn_web_static_path_ok(NULL));
  assert_non_null(dbn_web_asset_find("common/login.html"));
  assert_non_null(dbn_web_asset_find("vendor/echarts/echarts.min.js"));
  assert_true(dbn_web_asset_find("vendor/echarts/echarts.min.js")->size > 500000);
  assert_null(dbn_web_asset_find("common/nothing.html"));
  assert_string_equal(dbn_web_content_type("a/b.html"), "text/html; charset=utf-8");
  assert_string_equal(dbn_web_content_type("a/b.js"), "application/javascript; charset=utf-8");
  assert_string_equal(dbn_web_content_type("vendor/echarts/LICENSE"), "text/plain; charset=utf-8");
  assert_string_equal(dbn_web_content_type("x.bin"), "application/octet-stream");
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(users_round_trip, setup, teardown),
      cmocka_unit_test_setup_teardown(users_refresh, setup, teardown),
      cmocka_unit_test_setup_teardown(users_refuse_bad_input, setup, teardown),
      cmocka_unit_test(session_expiry),
      cmocka_unit_test(csrf_compare),
      cmocka_unit_test(login_limit),
      cmocka_unit_test(static_paths),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
