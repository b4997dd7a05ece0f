/* assets.h: the files under web/assets/, embedded in the library at build
 * time, so a program on a network without internet access serves its own
 * pages, scripts, styles and ECharts and nothing comes from a CDN.
 *
 * Paths are relative to web/assets/: "board/index.html",
 * "desk/app.js", "common/style.css", "vendor/echarts/echarts.min.js". The
 * server serves asset P at URL /assets/P. */
#ifndef DUBAN_WEB_ASSETS_H
#define DUBAN_WEB_ASSETS_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
  const char *path;          /* relative to web/assets/ */
  const unsigned char *data; /* the file's bytes; static */
  size_t size;
} dbn_web_asset_t;

/* The asset at path, or NULL. Static. */
const dbn_web_asset_t *dbn_web_asset_find(const char *path);

/* Every asset, for listing; *count receives how many. Static. */
const dbn_web_asset_t *dbn_web_assets_all(size_t *count);

/* The Content-Type for a file name by its extension ("text/html;
 * charset=utf-8", "application/javascript; charset=utf-8", "text/css;
 * charset=utf-8", "image/png", "image/svg+xml", "application/json",
 * "text/plain; charset=utf-8" for .txt/.md and files named LICENSE or NOTICE,
 * else "application/octet-stream"). Static. */
const char *dbn_web_content_type(const char *path);

/* True if a raw (still percent-encoded) URL path below /assets/ may be
 * looked up at all: false for any "..", "%2e%2e" in any case or mix, an
 * encoded "/" ("%2f"), a backslash or "%5c", a NUL or "%00", and any other
 * '%' escape (asset names never need one). The server answers 404 for
 * false. */
bool dbn_web_static_path_ok(const char *raw_path);

#endif
