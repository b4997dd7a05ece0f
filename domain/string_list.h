/* string_list.h: whether a string stands in a list of strings, once.
 *
 * The task view keeps several such lists as protobuf repeated strings (a
 * measure's lead and cooperating units, the milestones met and reported);
 * lead.c and milestone.c ask the same question of them. Pure: no I/O. */
#ifndef DUBAN_STRING_LIST_H
#define DUBAN_STRING_LIST_H

#include <stdbool.h>
#include <stddef.h>

/* Whether wanted equals one of the count strings (a NULL entry matches
 * nothing). Everything is borrowed. */
bool dbn_string_listed(char *const *strings, size_t count, const char *wanted);

#endif
