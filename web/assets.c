/* assets.c: looking up the embedded files (the table itself is generated
 * at build time into assets_table.c, see web/CMakeLists.txt) and the rules
 * for which static paths may be looked up at all. */
#include "assets.h"

#include <string.h>
#include <strings.h>

#include "assets_table.h"

const dbn_web_asset_t *
dbn_web_assets_all(size_t *count)
{
  *count = dbn_web_asset_table_count;
  return dbn_web_asset_table;
}

const dbn_web_asset_t *
dbn_web_asset_find(const char *path)
{
  for (size_t i = 0; path && i < dbn_web_asset_table_count; i++)
    if (strcmp(dbn_web_asset_table[i].path, path) == 0)
      return &dbn_web_asset_table[i];
  return NULL;
}

static const struct {
  const char *extension;
  const char *type;
} content_types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "application/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json; charset=utf-8"},
    {".png", "image/png"},
    {".svg", "image/svg+xml"},
    {".ico", "image/x-icon"},
    {".txt", "text/plain; charset=utf-8"},
    {".md", "text/plain; charset=utf-8"},
};

const char *
dbn_web_content_type(const char *path)
{
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  if (strcmp(base, "LICENSE") == 0 || strcmp(base, "NOTICE") == 0)
    return "text/plain; charset=utf-8";
  const char *dot = strrchr(base, '.');
  for (size_t i = 0; dot && i < sizeof content_types / sizeof content_types[0]; i++)
    if (strcasecmp(dot, content_types[i].extension) == 0)
      return content_types[i].type;
  return "application/octet-stream";
}

bool
dbn_web_static_path_ok(const char *raw_path)
{
  if (!raw_path || !*raw_path)
    return false;
  /* Asset names are plain: letters, digits, '-', '_', '.', '/'. Any '%'
   * escape therefore means someone is trying an encoding (of dots, slashes,
   * backslashes, NUL), so refuse them all rather than decode and judge. */
  if (strchr(raw_path, '%') || strchr(raw_path, '\\'))
    return false;
  if (strstr(raw_path, "..") || strstr(raw_path, "//") || raw_path[0] == '/')
    return false;
  for (const char *p = raw_path; *p; p++)
    if ((unsigned char)*p < 0x20 || *p == 0x7f)
      return false;
  return true;
}
