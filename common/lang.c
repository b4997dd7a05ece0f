/* lang.c: the language a person reads (see lang.h). */
#include "lang.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Does value (a locale such as "en_US.UTF-8", or a name such as "zh")
 * start with the language code, alone or followed by a region or charset? */
static bool
names_language(const char *value, const char *code)
{
  size_t n = strlen(code);
  return value && strncmp(value, code, n) == 0 && (value[n] == '\0' || strchr("_-.", value[n]) != NULL);
}

static bool
names_english(const char *value)
{
  return names_language(value, "en");
}

static bool
names_chinese(const char *value)
{
  return value && (strcmp(value, "cn") == 0 || names_language(value, "zh"));
}

int
dbn_lang_parse(const char *name, dbn_lang_t *lang)
{
  if (names_english(name)) {
    *lang = DBN_LANG_EN;
    return 0;
  }
  if (names_chinese(name)) {
    *lang = DBN_LANG_ZH;
    return 0;
  }
  return -1;
}

dbn_lang_t
dbn_lang(void)
{
  dbn_lang_t lang;
  const char *chosen = getenv("DUBAN_LANG");
  if (chosen && *chosen && dbn_lang_parse(chosen, &lang) == 0)
    return lang;
  /* The locale, in the order the C library itself reads it for messages;
   * the first one set decides. */
  static const char *const locale_variables[] = {"LC_ALL", "LC_MESSAGES", "LANG"};
  for (size_t i = 0; i < sizeof locale_variables / sizeof locale_variables[0]; i++) {
    const char *value = getenv(locale_variables[i]);
    if (value && *value)
      return names_english(value) ? DBN_LANG_EN : DBN_LANG_ZH;
  }
  return DBN_LANG_ZH;
}

const char *
dbn_tr(const char *zh, const char *en)
{
  return dbn_lang() == DBN_LANG_EN ? en : zh;
}
