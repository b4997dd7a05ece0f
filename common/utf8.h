/* utf8.h: the one UTF-8 validator and decoder.
 *
 * Every string that enters duban (a request field, a plan document, a key
 * file's identity) is checked here, so that what reaches the log, a table
 * or a web page is well-formed; text.h adds the rules for what a person may
 * type (no control characters) and the display width. */
#ifndef DUBAN_UTF8_H
#define DUBAN_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* True if bytes[0..len) is well-formed UTF-8: no overlong forms, no
 * surrogates, nothing above U+10FFFF, no truncated sequence. NUL and control
 * characters are well-formed here; dbn_text_valid refuses them. */
bool dbn_utf8_valid(const char *bytes, size_t len);

/* The offset of the first code point in bytes[0..len) that is not
 * well-formed, or that refuse (when not NULL) refuses; len if there is none.
 * The one walk over a string that the validators share. */
size_t dbn_utf8_first_refused(const char *bytes, size_t len, bool (*refuse)(unsigned cp));

/* Length in bytes of the well-formed sequence at bytes[0..len), 0 if none
 * starts there (or len is 0). On success *cp_p is its code point. */
size_t dbn_utf8_next(const char *bytes, size_t len, unsigned *cp_p);

/* Decode one code point of the NUL-terminated s for display: returns its
 * byte length (at least 1) and stores the code point, or U+FFFD for a byte
 * that starts no well-formed sequence. */
size_t dbn_utf8_decode(const char *s, unsigned *cp_p);

#endif
