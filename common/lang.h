/* lang.h: which language a person reads, Chinese unless asked otherwise.
 *
 * Everything duban prints for a person is Chinese by default; English is
 * there for those who ask: `--lang en` on the command line (the `duban`
 * program turns it into DUBAN_LANG for the whole process), DUBAN_LANG=en,
 * or a locale that names English (LC_ALL, LC_MESSAGES or LANG starting
 * with "en"). A locale of C or POSIX names no language, so it keeps the
 * default. The environment is the one place the choice lives, so code that
 * prints (down to a refusal deep in a helper) asks it and needs no context
 * passed around; it is read when asked, never cached. */
#ifndef DUBAN_COMMON_LANG_H
#define DUBAN_COMMON_LANG_H

typedef enum {
  DBN_LANG_ZH = 0, /* 中文, the default */
  DBN_LANG_EN,
} dbn_lang_t;

/* The language to print in now. */
dbn_lang_t dbn_lang(void);

/* "zh" (or "zh_CN", "zh-CN", "cn") or "en" (or "en_US", ...) into *lang:
 * 0, or -1 when name is neither. */
int dbn_lang_parse(const char *name, dbn_lang_t *lang);

/* zh or en, whichever the person reads. Both may be printf formats with the
 * same conversions: the compiler checks each against the arguments. */
const char *dbn_tr(const char *zh, const char *en) __attribute__((format_arg(1), format_arg(2)));

#endif
