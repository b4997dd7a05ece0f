/* refusal.h: the broker's refusals in Chinese, for the pages.
 *
 * The broker and the agents answer a refused request with a gRPC-numbered
 * code (proto/duban.proto's Code) and a message in English, which the CLI
 * prints as it is. The pages show people Chinese: this is the one place
 * that says the common refusals in Chinese, keeping what they name (the
 * task, the figure, the unit of measure, the state). A message it does not
 * know is shown after a Chinese sentence for its code, so nothing the
 * broker said is lost. */
#ifndef DUBAN_WEB_REFUSAL_H
#define DUBAN_WEB_REFUSAL_H

#include <stddef.h>

/* The refusal (code, message) in Chinese into out (always terminated). */
void dbn_web_refusal_zh(int code, const char *message, char *out, size_t out_len);

/* One word of the broker's in Chinese: a task state ("in_progress" →
 * 推进中), a request kind ("claim" → 签收), a role; NULL when the table
 * has none. The one vocabulary the pages, the desk and `duban outbox` use. */
const char *dbn_web_word_zh(const char *word);

#endif
