/* cmd_user.c: `duban user`, the local accounts of a desk or a console
 * (web/users.h). These are people, not broker identities: the program
 * serving the pages holds the key, and the person logged in goes with each
 * write as the 经办人. No broker is needed; the command edits the file. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"
#include "help_zh.h"
#include "users.h"

static const char user_usage[] =
    "usage: duban user add|list|remove|passwd --users FILE [NAME] [--role R] [--unit CODE]\n"
    "                  [--password-stdin]\n"
    "\n"
    "The accounts of the people who log in to a department's desk or the board.\n"
    "  add NAME       add an account; --role clerk|coordinator|auditor|admin (default clerk),\n"
    "                 a clerk needs --unit CODE of the department\n"
    "  list           list the accounts\n"
    "  remove NAME    remove an account\n"
    "  passwd NAME    change a password\n"
    "\n"
    "The password is read from the terminal (not echoed, asked twice), or one line\n"
    "from standard input with --password-stdin. The file is mode 0600; one that\n"
    "group or others can write is refused.\n"
    "  --users FILE   the accounts file\n"
    "  --help         this text\n";

typedef struct {
  const char *users;
  const char *role;
  const char *unit;
  bool password_stdin;
} user_options_t;

static int __attribute__((format(printf, 1, 2))) fail(const char *format, ...)
{
  va_list ap;
  va_start(ap, format);
  fprintf(stderr, "duban user: ");
  vfprintf(stderr, format, ap);
  fprintf(stderr, "\n");
  va_end(ap);
  return DBN_CLI_EXIT_FAIL;
}

/* One line from stdin without its newline; echo off when it is a tty. */
static int
read_password(const char *prompt, bool from_stdin, char *buf, size_t size)
{
  bool tty = !from_stdin && isatty(STDIN_FILENO);
  struct termios old, quiet;
  if (tty) {
    fprintf(stderr, "%s", prompt);
    tcgetattr(STDIN_FILENO, &old);
    quiet = old;
    quiet.c_lflag &= ~(tcflag_t)ECHO;
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  char *line = fgets(buf, (int)size, stdin);
  if (tty) {
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    fprintf(stderr, "\n");
  }
  if (!line)
    return -1;
  buf[strcspn(buf, "\r\n")] = '\0';
  return 0;
}

static int
get_password(const user_options_t *opts, char *buf, size_t size)
{
  if (read_password("密码: ", opts->password_stdin, buf, size) != 0)
    return fail("%s", "未读到密码");
  if (!opts->password_stdin && isatty(STDIN_FILENO)) {
    char again[DBN_WEB_PASSWORD_MAX + 2];
    if (read_password("再次输入密码: ", false, again, sizeof again) != 0 || strcmp(again, buf) != 0)
      return fail("%s", "两次输入的密码不一致");
  }
  size_t len = strlen(buf);
  if (len < DBN_WEB_PASSWORD_MIN || len > DBN_WEB_PASSWORD_MAX) {
    fprintf(stderr, "duban user: 密码长度须为 %d 到 %d 字节\n", DBN_WEB_PASSWORD_MIN, DBN_WEB_PASSWORD_MAX);
    return DBN_CLI_EXIT_FAIL;
  }
  return 0;
}

static int
list_users(dbn_web_users_t *users)
{
  for (size_t i = 0; i < dbn_web_users_count(users); i++) {
    const dbn_web_user_t *u = dbn_web_users_at(users, i);
    printf("%s\t%s\t%s\n", u->name, dbn_web_role_name(u->role), u->unit);
  }
  return DBN_CLI_EXIT_OK;
}

static int
change(dbn_web_users_t *users, const char *action, const char *name, const user_options_t *opts)
{
  char password[DBN_WEB_PASSWORD_MAX + 2];
  int rc;
  if (strcmp(action, "remove") == 0) {
    rc = dbn_web_users_remove(users, name);
  } else {
    enum dbn_web_role role = DBN_WEB_ROLE_CLERK;
    if (opts->role && dbn_web_role_parse(opts->role, &role) != 0)
      return fail("未知角色 '%s'（可选 clerk、coordinator、auditor、admin）", opts->role);
    if (strcmp(action, "add") == 0 && role == DBN_WEB_ROLE_CLERK && !opts->unit)
      return fail("%s", "clerk 账号需要 --unit 部门代码");
    if (!dbn_web_user_name_valid(name))
      return fail("用户名 '%s' 无效（不能含冒号或控制字符，最长 64 字节）", name);
    if ((rc = get_password(opts, password, sizeof password)) != 0)
      return rc;
    rc = strcmp(action, "add") == 0 ? dbn_web_users_add(users, name, role, opts->unit, password)
                                    : dbn_web_users_passwd(users, name, password);
  }
  if (rc == DBN_EEXIST)
    return fail("账号 '%s' 已存在", name);
  if (rc == DBN_ENOTFOUND)
    return fail("没有账号 '%s'", name);
  if (rc != 0)
    return fail("操作失败: %s", dbn_strerror(rc));
  if ((rc = dbn_web_users_save(users)) != 0)
    return fail("无法写入账号文件: %s", dbn_strerror(rc));
  printf("%s: %s\n", action, name);
  return DBN_CLI_EXIT_OK;
}

int
dbn_cmd_user(int argc, char **argv)
{
  static const struct option options[] = {
      {"users", required_argument, NULL, 'u'}, {"role", required_argument, NULL, 'r'},
      {"unit", required_argument, NULL, 'n'},  {"password-stdin", no_argument, NULL, 'p'},
      {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0}};
  user_options_t opts = {0};
  int opt;
  optind = 0;
  while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
    switch (opt) {
    case 'u': opts.users = optarg; break;
    case 'r': opts.role = optarg; break;
    case 'n': opts.unit = optarg; break;
    case 'p': opts.password_stdin = true; break;
    case 'h': fputs(dbn_cli_help_text("user", user_usage), stdout); return DBN_CLI_EXIT_OK;
    default: fputs("试试 'duban user --help'\n", stderr); return DBN_CLI_EXIT_USAGE;
    }
  }
  int rest = argc - optind;
  const char *action = rest > 0 ? argv[optind] : NULL;
  bool list = action && strcmp(action, "list") == 0;
  bool known =
      action && (list || !strcmp(action, "add") || !strcmp(action, "remove") || !strcmp(action, "passwd"));
  if (!known || !opts.users || rest != (list ? 1 : 2)) {
    fputs("duban user: 用法错误\n", stderr);
    fputs(dbn_cli_help_text("user", user_usage), stderr);
    return DBN_CLI_EXIT_USAGE;
  }
  dbn_web_users_t *users;
  int rc = dbn_web_users_load(&users, opts.users);
  if (rc == DBN_EPERM)
    return fail("账号文件 %s 可被组或其他用户写入，拒绝使用（chmod 600）", opts.users);
  if (rc != 0)
    return fail("无法读取账号文件: %s", dbn_strerror(rc));
  rc = list ? list_users(users) : change(users, action, argv[optind + 1], &opts);
  dbn_web_users_destroy(&users);
  return rc;
}
