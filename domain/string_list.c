/* string_list.c: see string_list.h. */
#include "string_list.h"

#include <string.h>

bool
dbn_string_listed(char *const *strings, size_t count, const char *wanted)
{
  for (size_t i = 0; i < count; i++)
    if (strings[i] && strcmp(strings[i], wanted) == 0)
      return true;
  return false;
}
