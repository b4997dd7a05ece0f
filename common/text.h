/* text.h: what a person may type, and display width.
 *
 * Department names are Chinese and must line up in terminal tables, where a
 * CJK character takes two columns. Every string that enters the broker is
 * checked to be valid UTF-8 here before it can reach the log. */
#ifndef DUBAN_TEXT_H
#define DUBAN_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* True if bytes[0..len) is well-formed UTF-8 (dbn_utf8_valid) and holds no
 * NUL, no DEL and no C0 control other than tab, carriage return and
 * newline. */
bool dbn_text_valid(const char *bytes, size_t len);

/* Terminal columns that cp takes: 2 for East Asian wide and full-width
 * characters, 0 for combining marks, 1 otherwise. */
int dbn_text_cp_width(unsigned cp);

/* Terminal columns that the UTF-8 string s takes. */
int dbn_text_width(const char *s);

/* Print s to out in exactly `width` columns: cut at a character boundary
 * (ending in "…" when cut) or padded with spaces. */
void dbn_text_print_cell(FILE *out, const char *s, int width);

#endif
