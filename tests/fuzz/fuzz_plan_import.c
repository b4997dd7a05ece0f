/* fuzz_plan_import.c: libFuzzer entry point for the plan importer.
 *
 * Documents come from outside (mail, downloads, scans run through OCR), so
 * any bytes must give either a plan or an error with a message, never a
 * crash, a leak or a read out of bounds. Every imported plan also goes
 * through dbn_plan_from_json, since an imported plan must always load.
 *
 * Build (not wired into CMake; the fuzz build adds it):
 *   protoc-c --c_out=/tmp/fz -I proto proto/duban.proto
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -std=c11 \
 *     -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -I/tmp/fz -Iproto -Iagents \
 *     tests/fuzz/fuzz_plan_import.c agents/plan_import.c agents/plan_json.c \
 *     proto/error.c proto/text.c /tmp/fz/duban.pb-c.c -lcjson -lprotobuf-c -lm \
 *     -o fuzz_plan_import
 *   ./fuzz_plan_import tests/fuzz/corpus/plan_import */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "plan_import.h"
#include "plan_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  cJSON *plan = NULL, *report = NULL;
  char why[512];
  int rc = dbn_plan_import((const char *)data, size, NULL, &plan, &report, why, sizeof why);
  if (rc != 0) {
    assert(plan == NULL && report == NULL && why[0] != '\0');
    return 0;
  }
  assert(plan != NULL && report != NULL);
  {
    Duban__Plan *pb = NULL;
    /* an imported plan loads, unless it is over a size limit */
    rc = dbn_plan_from_json(plan, &pb, why, sizeof why);
    assert(rc == 0 || rc == DBN_ETOOBIG);
    dbn_plan_free(&pb);
  }
  cJSON_Delete(plan);
  cJSON_Delete(report);
  return 0;
}
