/* users.c: the accounts file of a desk or console (see users.h for the
 * format and why the file's mode matters). The set is small (tens of
 * people), so it is an array kept in file order. */
#include "users.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "error.h"
#include "text.h"

struct dbn_web_users {
  char *path;            /* the accounts file */
  dbn_web_user_t *items; /* in file order */
  size_t count;
  size_t capacity;
  /* The file as last read or written, to notice a change by another
   * program (`duban user add`): all zero when there was none. */
  dev_t dev;
  ino_t ino;
  off_t size;
  struct timespec mtime;
};

/* Remember the file's identity as it is now (after a load or a save). */
static void
note_file(dbn_web_users_t *users, const struct stat *st)
{
  users->dev = st ? st->st_dev : 0;
  users->ino = st ? st->st_ino : 0;
  users->size = st ? st->st_size : 0;
  users->mtime = st ? st->st_mtim : (struct timespec){0, 0};
}

static const char *const role_names[] = {"clerk", "coordinator", "auditor", "admin"};

const char *
dbn_web_role_name(enum dbn_web_role role)
{
  if ((unsigned)role >= sizeof role_names / sizeof role_names[0])
    return "unknown";
  return role_names[role];
}

int
dbn_web_role_parse(const char *text, enum dbn_web_role *role)
{
  for (size_t i = 0; text && i < sizeof role_names / sizeof role_names[0]; i++)
    if (strcmp(text, role_names[i]) == 0) {
      *role = (enum dbn_web_role)i;
      return 0;
    }
  return DBN_EINVAL;
}

bool
dbn_web_user_name_valid(const char *name)
{
  size_t len = name ? strlen(name) : 0;
  if (len == 0 || len > DBN_WEB_NAME_MAX || strchr(name, ':'))
    return false;
  /* dbn_text_valid lets a note's line breaks through; a name has none. */
  for (const unsigned char *p = (const unsigned char *)name; *p; p++)
    if (*p < 0x20 || *p == 0x7f)
      return false;
  /* dbn_text_valid: valid UTF-8 without control characters. */
  return dbn_text_valid(name, len);
}

static bool
unit_valid(const char *unit)
{
  size_t len = strlen(unit);
  for (const unsigned char *p = (const unsigned char *)unit; *p; p++)
    if (*p < 0x20 || *p == 0x7f)
      return false;
  return len == 0 || (len <= DBN_WEB_UNIT_MAX && !strchr(unit, ':') && dbn_text_valid(unit, len));
}

static int
grow(dbn_web_users_t *users)
{
  if (users->count < users->capacity)
    return 0;
  size_t cap = users->capacity ? users->capacity * 2 : 8;
  dbn_web_user_t *items = realloc(users->items, cap * sizeof *items);
  if (!items)
    return DBN_ENOMEM;
  users->items = items;
  users->capacity = cap;
  return 0;
}

/* One line: name:role:unit:hash. */
static int
parse_line(char *line, dbn_web_user_t *user)
{
  char *fields[4];
  char *p = line;
  for (int i = 0; i < 3; i++) {
    char *colon = strchr(p, ':');
    if (!colon)
      return DBN_ECORRUPT;
    *colon = '\0';
    fields[i] = p;
    p = colon + 1;
  }
  fields[3] = p;
  memset(user, 0, sizeof *user);
  if (!dbn_web_user_name_valid(fields[0]) || dbn_web_role_parse(fields[1], &user->role) != 0 ||
      !unit_valid(fields[2]) || strlen(fields[3]) >= DBN_WEB_HASH_MAX ||
      strncmp(fields[3], "$argon2", 7) != 0)
    return DBN_ECORRUPT;
  strcpy(user->name, fields[0]);
  strcpy(user->unit, fields[2]);
  strcpy(user->hash, fields[3]);
  return 0;
}

static int
read_file(dbn_web_users_t *users, FILE *file)
{
  char line[512];
  while (fgets(line, sizeof line, file)) {
    size_t len = strlen(line);
    if (len && line[len - 1] == '\n')
      line[--len] = '\0';
    else if (!feof(file))
      return DBN_ECORRUPT; /* a line longer than any valid one */
    if (len == 0 || line[0] == '#')
      continue;
    int rc = grow(users);
    if (rc != 0)
      return rc;
    rc = parse_line(line, &users->items[users->count]);
    if (rc != 0)
      return rc;
    if (dbn_web_users_find(users, users->items[users->count].name))
      return DBN_ECORRUPT;
    users->count++;
  }
  return ferror(file) ? DBN_EIO : 0;
}

int
dbn_web_users_load(dbn_web_users_t **users_p, const char *path)
{
  if (sodium_init() < 0)
    return DBN_EINTERNAL;
  dbn_web_users_t *users = calloc(1, sizeof *users);
  if (!users || !(users->path = strdup(path))) {
    free(users);
    return DBN_ENOMEM;
  }
  int rc = 0;
  FILE *file = fopen(path, "r");
  if (!file) {
    if (errno != ENOENT)
      rc = DBN_EIO;
  } else {
    struct stat st;
    if (fstat(fileno(file), &st) != 0)
      rc = DBN_EIO;
    else if (st.st_mode & (S_IWGRP | S_IWOTH))
      rc = DBN_EPERM;
    else
      rc = read_file(users, file);
    if (rc == 0)
      note_file(users, &st);
    fclose(file);
  }
  if (rc != 0) {
    dbn_web_users_destroy(&users);
    return rc;
  }
  *users_p = users;
  return 0;
}

void
dbn_web_users_destroy(dbn_web_users_t **users_p)
{
  if (!users_p || !*users_p)
    return;
  dbn_web_users_t *users = *users_p;
  sodium_memzero(users->items, users->capacity * sizeof *users->items);
  free(users->items);
  free(users->path);
  free(users);
  *users_p = NULL;
}

int
dbn_web_users_save(dbn_web_users_t *users)
{
  size_t len = strlen(users->path);
  char *tmp = malloc(len + 8);
  if (!tmp)
    return DBN_ENOMEM;
  snprintf(tmp, len + 8, "%s.tmp", users->path);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  FILE *file = fd >= 0 ? fdopen(fd, "w") : NULL;
  if (!file) {
    if (fd >= 0)
      close(fd);
    free(tmp);
    return DBN_EIO;
  }
  /* fchmod too: an old temp file keeps its mode through O_TRUNC. */
  int rc = fchmod(fd, 0600) == 0 ? 0 : DBN_EIO;
  for (size_t i = 0; rc == 0 && i < users->count; i++) {
    const dbn_web_user_t *u = &users->items[i];
    if (fprintf(file, "%s:%s:%s:%s\n", u->name, dbn_web_role_name(u->role), u->unit, u->hash) < 0)
      rc = DBN_EIO;
  }
  if (fflush(file) != 0 || fsync(fd) != 0)
    rc = DBN_EIO;
  if (fclose(file) != 0)
    rc = DBN_EIO;
  if (rc == 0 && rename(tmp, users->path) != 0)
    rc = DBN_EIO;
  if (rc != 0)
    unlink(tmp);
  free(tmp);
  struct stat st;
  if (rc == 0 && stat(users->path, &st) == 0)
    note_file(users, &st);
  return rc;
}

/* Was this account in before the same person with the same rights and
 * password? */
static bool
same_account(const dbn_web_user_t *a, const dbn_web_user_t *b)
{
  return b && a->role == b->role && strcmp(a->unit, b->unit) == 0 && strcmp(a->hash, b->hash) == 0;
}

int
dbn_web_users_refresh(dbn_web_users_t *users, bool *changed, void (*gone)(const char *name, void *arg),
                      void *arg)
{
  if (changed)
    *changed = false;
  struct stat st;
  if (stat(users->path, &st) != 0)
    return errno == ENOENT ? 0 : DBN_EIO; /* gone: keep what was read */
  if (st.st_dev == users->dev && st.st_ino == users->ino && st.st_size == users->size &&
      st.st_mtim.tv_sec == users->mtime.tv_sec && st.st_mtim.tv_nsec == users->mtime.tv_nsec)
    return 0;
  dbn_web_users_t *fresh = NULL;
  int rc = dbn_web_users_load(&fresh, users->path);
  if (rc != 0)
    return rc; /* malformed or unsafe now: keep the old set */
  for (size_t i = 0; gone && i < users->count; i++)
    if (!same_account(&users->items[i], dbn_web_users_find(fresh, users->items[i].name)))
      gone(users->items[i].name, arg);
  /* Take fresh's accounts and file identity; fresh frees the old ones. */
  dbn_web_users_t old = *users;
  users->items = fresh->items;
  users->count = fresh->count;
  users->capacity = fresh->capacity;
  users->dev = fresh->dev;
  users->ino = fresh->ino;
  users->size = fresh->size;
  users->mtime = fresh->mtime;
  fresh->items = old.items;
  fresh->count = old.count;
  fresh->capacity = old.capacity;
  dbn_web_users_destroy(&fresh);
  if (changed)
    *changed = true;
  return 0;
}

static int
hash_password(const char *password, char hash[DBN_WEB_HASH_MAX])
{
  size_t len = password ? strlen(password) : 0;
  if (len < DBN_WEB_PASSWORD_MIN || len > DBN_WEB_PASSWORD_MAX)
    return DBN_EINVAL;
  if (crypto_pwhash_str(hash, password, len, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
    return DBN_ENOMEM;
  return 0;
}

int
dbn_web_users_add(dbn_web_users_t *users, const char *name, enum dbn_web_role role, const char *unit,
                  const char *password)
{
  if (!unit)
    unit = "";
  if (!dbn_web_user_name_valid(name) || dbn_web_role_parse(dbn_web_role_name(role), &role) != 0 ||
      !unit_valid(unit) || (role == DBN_WEB_ROLE_CLERK) != (unit[0] != '\0'))
    return DBN_EINVAL;
  if (dbn_web_users_find(users, name))
    return DBN_EEXIST;
  int rc = grow(users);
  if (rc != 0)
    return rc;
  dbn_web_user_t *user = &users->items[users->count];
  memset(user, 0, sizeof *user);
  strcpy(user->name, name);
  user->role = role;
  strcpy(user->unit, unit);
  rc = hash_password(password, user->hash);
  if (rc == 0)
    users->count++;
  return rc;
}

int
dbn_web_users_remove(dbn_web_users_t *users, const char *name)
{
  const dbn_web_user_t *user = dbn_web_users_find(users, name);
  if (!user)
    return DBN_ENOTFOUND;
  size_t index = (size_t)(user - users->items);
  memmove(&users->items[index], &users->items[index + 1], (users->count - index - 1) * sizeof *users->items);
  users->count--;
  return 0;
}

int
dbn_web_users_passwd(dbn_web_users_t *users, const char *name, const char *password)
{
  dbn_web_user_t *user = (dbn_web_user_t *)dbn_web_users_find(users, name);
  if (!user)
    return DBN_ENOTFOUND;
  char hash[DBN_WEB_HASH_MAX];
  int rc = hash_password(password, hash);
  if (rc == 0)
    memcpy(user->hash, hash, sizeof hash);
  return rc;
}

int
dbn_web_users_verify(dbn_web_users_t *users, const char *name, const char *password, dbn_web_user_t *out)
{
  const dbn_web_user_t *user = name ? dbn_web_users_find(users, name) : NULL;
  size_t len = password ? strlen(password) : 0;
  if (!user || len > DBN_WEB_PASSWORD_MAX) {
    /* Do the same work for an unknown name, so timing does not tell a
     * guesser which names exist. */
    char dummy[DBN_WEB_HASH_MAX];
    hash_password("duban-no-such-user", dummy);
    return DBN_EUNAUTH;
  }
  if (crypto_pwhash_str_verify(user->hash, password ? password : "", len) != 0)
    return DBN_EUNAUTH;
  if (out)
    *out = *user;
  return 0;
}

size_t
dbn_web_users_count(const dbn_web_users_t *users)
{
  return users->count;
}

const dbn_web_user_t *
dbn_web_users_at(const dbn_web_users_t *users, size_t index)
{
  return index < users->count ? &users->items[index] : NULL;
}

const dbn_web_user_t *
dbn_web_users_find(const dbn_web_users_t *users, const char *name)
{
  for (size_t i = 0; i < users->count; i++)
    if (strcmp(users->items[i].name, name) == 0)
      return &users->items[i];
  return NULL;
}
