/* users.h: the local accounts of a desk or a console.
 *
 * The people who use a desk (department clerks) or the board (the leading
 * group's office, auditors) are not broker identities: the identity stays
 * the key the program holds, and a person's name goes with each write as
 * the 经办人. So accounts are a small local file, one line per person:
 *
 *     name:role:unit:$argon2id$...
 *
 * name is UTF-8 (Chinese names allowed) without ':' or control characters;
 * role is clerk|coordinator|auditor|admin; unit is the department code of a
 * clerk (empty for the others); the last field is libsodium's
 * crypto_pwhash_str (Argon2id, interactive limits). The file is written
 * atomically (a temporary file renamed over it) with mode 0600, and one that
 * is group- or world-writable is refused, since anyone who could write it
 * could make themselves an admin. */
#ifndef DUBAN_WEB_USERS_H
#define DUBAN_WEB_USERS_H

#include <stdbool.h>
#include <stddef.h>

#define DBN_WEB_NAME_MAX 64  /* bytes of a person's name, UTF-8 */
#define DBN_WEB_UNIT_MAX 64  /* bytes of a unit code */
#define DBN_WEB_HASH_MAX 128 /* crypto_pwhash_STRBYTES */
#define DBN_WEB_PASSWORD_MIN 8
#define DBN_WEB_PASSWORD_MAX 256

enum dbn_web_role {
  DBN_WEB_ROLE_CLERK,       /* a department's clerk: one unit's desk */
  DBN_WEB_ROLE_COORDINATOR, /* the leading group's office: the board, every write it allows */
  DBN_WEB_ROLE_AUDITOR,     /* reads and reports only */
  DBN_WEB_ROLE_ADMIN,       /* everything a coordinator may, and accounts */
};

typedef struct {
  char name[DBN_WEB_NAME_MAX + 1];
  enum dbn_web_role role;
  char unit[DBN_WEB_UNIT_MAX + 1]; /* "" unless role is clerk */
  char hash[DBN_WEB_HASH_MAX];     /* crypto_pwhash_str output */
} dbn_web_user_t;

typedef struct dbn_web_users dbn_web_users_t;

/* "clerk", "coordinator", "auditor", "admin"; static. */
const char *dbn_web_role_name(enum dbn_web_role role);
/* Parse a role name; DBN_EINVAL for anything else. */
int dbn_web_role_parse(const char *text, enum dbn_web_role *role);

/* True if name is a valid account name: 1..DBN_WEB_NAME_MAX bytes of valid
 * UTF-8, no ':' and no control characters. */
bool dbn_web_user_name_valid(const char *name);

/* Load path (which need not exist yet: then the set is empty and the first
 * save creates it). DBN_EPERM if the file is group- or world-writable,
 * DBN_ECORRUPT for a malformed line, DBN_EIO for other read errors. path is
 * copied. */
int dbn_web_users_load(dbn_web_users_t **users_p, const char *path);
void dbn_web_users_destroy(dbn_web_users_t **users_p);

/* Write the set back atomically (temp file, fsync, rename), mode 0600. */
int dbn_web_users_save(dbn_web_users_t *users);

/* Reread the file if another program changed it since it was last read or
 * written here (its inode, size or modification time differ: `duban user
 * add` renames a new file over it). For every account that is gone, or
 * whose role, unit or password changed, gone(name, arg) is called (may be
 * NULL) so its sessions can end. *changed (may be NULL) says whether the
 * set was reread. A file that is now missing keeps the set as it was (0);
 * one that is malformed or group/world-writable keeps it too and returns
 * dbn_web_users_load's error. */
int dbn_web_users_refresh(dbn_web_users_t *users, bool *changed, void (*gone)(const char *name, void *arg),
                          void *arg);

/* Add a person. DBN_EEXIST if the name is taken; DBN_EINVAL for a bad name,
 * a clerk without a unit (or a unit given for another role), a password
 * shorter than DBN_WEB_PASSWORD_MIN or longer than DBN_WEB_PASSWORD_MAX.
 * Hashing takes a good fraction of a second by design. In memory only until
 * dbn_web_users_save. */
int dbn_web_users_add(dbn_web_users_t *users, const char *name, enum dbn_web_role role, const char *unit,
                      const char *password);
/* DBN_ENOTFOUND if no such name. In memory until save. */
int dbn_web_users_remove(dbn_web_users_t *users, const char *name);
/* Set a new password; DBN_ENOTFOUND, DBN_EINVAL as for add. */
int dbn_web_users_passwd(dbn_web_users_t *users, const char *name, const char *password);

/* Check a password. On success copies the account into *user (may be NULL).
 * DBN_EUNAUTH for a wrong password or an unknown name (the same answer for
 * both, after the same work, so a guesser cannot tell which). */
int dbn_web_users_verify(dbn_web_users_t *users, const char *name, const char *password,
                         dbn_web_user_t *user);

/* The accounts in file order; borrowed, valid until the next change. */
size_t dbn_web_users_count(const dbn_web_users_t *users);
const dbn_web_user_t *dbn_web_users_at(const dbn_web_users_t *users, size_t index);
/* NULL if no such name; borrowed as above. */
const dbn_web_user_t *dbn_web_users_find(const dbn_web_users_t *users, const char *name);

#endif
