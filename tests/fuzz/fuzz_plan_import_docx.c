/* fuzz_plan_import_docx.c: libFuzzer entry point for the .docx path of the
 * plan importer.
 *
 * Random bytes seldom make a zip archive, so the fuzzer's input is taken as
 * word/document.xml and packed here into a .docx (libzip, in memory); the
 * importer then unpacks it, parses the XML (libxml2) and lays its tables on
 * their grid. Whatever the XML — cells merged past the table's edge, a
 * vMerge with nothing above, spans of thousands of columns, tables in
 * cells — the import gives a plan that loads or an error with a message,
 * never a crash, a leak or a read out of bounds. Seeds:
 * tests/fuzz/corpus/plan_import_docx (the document.xml of the fixtures). */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <zip.h>

#include "error.h"
#include "plan_import.h"
#include "plan_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* data as the word/document.xml of a new .docx, in a malloc'd buffer. */
static char *
pack_docx(const uint8_t *data, size_t size, size_t *len_p)
{
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t *archive_source = zip_source_buffer_create(NULL, 0, 0, &error);
  zip_error_fini(&error);
  if (!archive_source)
    return NULL;
  zip_source_keep(archive_source);
  zip_t *archive = zip_open_from_source(archive_source, ZIP_TRUNCATE, NULL);
  char *buf = NULL;
  if (archive) {
    zip_source_t *file = zip_source_buffer(archive, data, size, 0);
    zip_int64_t index = file ? zip_file_add(archive, "word/document.xml", file, ZIP_FL_OVERWRITE) : -1;
    if (index < 0)
      zip_source_free(file);
    else
      zip_set_file_compression(archive, (zip_uint64_t)index, ZIP_CM_STORE, 0);
    if (zip_close(archive) != 0)
      zip_discard(archive);
  }
  if (zip_source_open(archive_source) == 0) {
    zip_source_seek(archive_source, 0, SEEK_END);
    zip_int64_t len = zip_source_tell(archive_source);
    zip_source_seek(archive_source, 0, SEEK_SET);
    if (len > 0 && (buf = malloc((size_t)len)) != NULL &&
        zip_source_read(archive_source, buf, (zip_uint64_t)len) == len) {
      *len_p = (size_t)len;
    } else {
      free(buf);
      buf = NULL;
    }
    zip_source_close(archive_source);
  }
  zip_source_free(archive_source);
  return buf;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  size_t len = 0;
  char *docx = pack_docx(data, size, &len);
  if (!docx)
    return 0;
  cJSON *plan = NULL, *report = NULL;
  char why[512];
  int rc = dbn_plan_import(docx, len, NULL, &plan, &report, why, sizeof why);
  free(docx);
  if (rc != 0) {
    assert(plan == NULL && report == NULL && why[0] != '\0');
    return 0;
  }
  assert(plan != NULL && report != NULL);
  Duban__Plan *pb = NULL;
  /* an imported plan loads, unless it is over a size limit */
  rc = dbn_plan_from_json(plan, &pb, why, sizeof why);
  assert(rc == 0 || rc == DBN_ETOOBIG);
  dbn_plan_free(&pb);
  cJSON_Delete(plan);
  cJSON_Delete(report);
  return 0;
}
