/* assets_table.h: the generated table of embedded files, private to
 * assets.c (the public lookup is assets.h). */
#ifndef DUBAN_WEB_ASSETS_TABLE_H
#define DUBAN_WEB_ASSETS_TABLE_H

#include <stddef.h>

#include "assets.h"

extern const dbn_web_asset_t *const dbn_web_asset_table;
extern const size_t dbn_web_asset_table_count;

#endif
