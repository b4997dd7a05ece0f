/* help_zh.h: the Chinese of every `duban ... --help` text.
 *
 * Each subcommand keeps its English usage text beside its code; the
 * Chinese ones live together in help_zh.c, keyed by the command name the
 * subcommand gives dbn_cli_init or dbn_cli_run_word ("claim", "plan
 * change add"), so that one table shows what has a translation. */
#ifndef DUBAN_CLI_HELP_ZH_H
#define DUBAN_CLI_HELP_ZH_H

/* The Chinese help of command, or NULL when there is none. */
const char *dbn_cli_help_zh(const char *command);

/* The help text to print for command: its Chinese one when the person
 * reads Chinese (lang.h) and there is one, else english. */
const char *dbn_cli_help_text(const char *command, const char *english);

/* DBN_CLI_CONNECTION_HELP (cli.h), or its Chinese when the person reads
 * Chinese: for texts that end with it outside a subcommand (the overview). */
const char *dbn_cli_connection_help(void);

#endif
