/* test_event_kind.c: every kind of event has a name a person reads
 * (domain/event_kind.h). The kinds are taken from the protocol itself (the
 * oneof body of Event), so a kind added to proto/duban.proto without a
 * Chinese name fails here; the names are distinct, Chinese, and found
 * again from the machine code that the JSON carries; English readers keep
 * the code. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "event_kind.h"
#include "utf8.h"
#include "wire.h"

/* The event kinds of the protocol: each message field of Event's oneof. */
static size_t
protocol_kinds(Duban__Event__BodyCase *kinds, size_t max)
{
  const ProtobufCMessageDescriptor *d = &duban__event__descriptor;
  size_t n = 0;
  for (unsigned i = 0; i < d->n_fields && n < max; i++) {
    const ProtobufCFieldDescriptor *field = &d->fields[i];
    if ((field->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) && field->type == PROTOBUF_C_TYPE_MESSAGE)
      kinds[n++] = (Duban__Event__BodyCase)field->id;
  }
  return n;
}

static void
test_every_kind_has_a_chinese_name(void **state)
{
  (void)state;
  Duban__Event__BodyCase kinds[128];
  size_t n = protocol_kinds(kinds, 128);
  assert_true(n >= 26);
  for (size_t i = 0; i < n; i++) {
    const char *code = dbn_wire_event_name(kinds[i]);
    const char *zh = dbn_event_kind_zh(kinds[i]);
    if (!zh || !*zh)
      fail_msg("event kind '%s' (field %d) has no Chinese name in domain/event_kind.c", code, (int)kinds[i]);
    /* Chinese: valid UTF-8 and not plain ASCII (not the code again). */
    assert_true(dbn_utf8_valid(zh, strlen(zh)));
    int non_ascii = 0;
    for (const char *p = zh; *p; p++)
      non_ascii |= (unsigned char)*p >= 0x80;
    if (!non_ascii)
      fail_msg("event kind '%s' is named '%s', which is not Chinese", code, zh);
    if (strcmp(code, "unknown") == 0)
      fail_msg("event kind field %d has no code in proto/wire.c", (int)kinds[i]);
    const char *again = dbn_event_kind_zh_of_code(code);
    if (!again || strcmp(again, zh) != 0)
      fail_msg("code '%s' does not lead back to '%s'", code, zh);
    for (size_t j = 0; j < i; j++)
      if (strcmp(zh, dbn_event_kind_zh(kinds[j])) == 0)
        fail_msg("'%s' and '%s' share the name %s", code, dbn_wire_event_name(kinds[j]), zh);
  }
}

static void
test_names_of_some_kinds(void **state)
{
  (void)state;
  static const struct {
    Duban__Event__BodyCase body;
    const char *zh;
  } cases[] = {
      {DUBAN__EVENT__BODY_PROGRESS, "填报进度"},
      {DUBAN__EVENT__BODY_ACKNOWLEDGED, "签收督办"},
      {DUBAN__EVENT__BODY_REASSIGNED, "改派"},
      {DUBAN__EVENT__BODY_REMINDED, "催办"},
      {DUBAN__EVENT__BODY_MILESTONE_REPORTED, "报节点达成"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    assert_string_equal(dbn_event_kind_zh(cases[i].body), cases[i].zh);
    assert_string_equal(dbn_event_kind_display(cases[i].body, 0), cases[i].zh);
  }
}

/* English readers are shown the code, as before; what the table lacks
 * shows as its code in either language rather than as nothing. */
static void
test_english_and_unknown(void **state)
{
  (void)state;
  assert_string_equal(dbn_event_kind_display(DUBAN__EVENT__BODY_PROGRESS, 1), "progress");
  assert_string_equal(dbn_event_kind_display(DUBAN__EVENT__BODY_ACKNOWLEDGED, 1), "acknowledged");
  assert_null(dbn_event_kind_zh(DUBAN__EVENT__BODY__NOT_SET));
  assert_string_equal(dbn_event_kind_display(DUBAN__EVENT__BODY__NOT_SET, 0), "unknown");
  assert_null(dbn_event_kind_zh_of_code("no_such_kind"));
  assert_null(dbn_event_kind_zh_of_code(NULL));
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_kind_has_a_chinese_name),
      cmocka_unit_test(test_names_of_some_kinds),
      cmocka_unit_test(test_english_and_unknown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
