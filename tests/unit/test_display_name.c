/* test_display_name.c: who someone is as a person reads it
 * (domain/display_name.h), table by table: a unit's code and identity give
 * the plan's name, roles their Chinese word with the person who acted or
 * the key's name, the system its name, anything unknown stays as given,
 * and a name cut to a small buffer never splits a character. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "display_name.h"

static Duban__Unit nyj = {PROTOBUF_C_MESSAGE_INIT(&duban__unit__descriptor), "NYJ", "市能源局", 0, NULL};
static Duban__Unit kjj = {PROTOBUF_C_MESSAGE_INIT(&duban__unit__descriptor), "KJJ", "市科学技术局", 0, NULL};
static Duban__Unit unnamed = {PROTOBUF_C_MESSAGE_INIT(&duban__unit__descriptor), "XYZ", "", 0, NULL};
static Duban__Unit *const units[] = {&nyj, &kjj, &unnamed};
#define N_UNITS (sizeof units / sizeof units[0])

static void
test_unit_names(void **state)
{
  (void)state;
  static const struct {
    const char *code, *shown;
  } cases[] = {
      {"NYJ", "市能源局"},
      {"KJJ", "市科学技术局"},
      {"JTJ", "JTJ"}, /* not in the plan: the code */
      {"XYZ", "XYZ"}, /* a unit without a name */
      {"", ""},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    assert_string_equal(dbn_unit_display_name(units, N_UNITS, cases[i].code), cases[i].shown);
  assert_string_equal(dbn_unit_display_name(units, N_UNITS, NULL), "");
  assert_string_equal(dbn_unit_display_name(NULL, 0, "NYJ"), "NYJ"); /* no plan loaded yet */
}

static void
test_identities(void **state)
{
  (void)state;
  static const struct {
    const char *identity, *person, *shown;
  } cases[] = {
      {"unit:NYJ", NULL, "市能源局"},
      {"unit:NYJ", "王五", "市能源局"}, /* the clerk is shown apart */
      {"unit:JTJ", NULL, "JTJ"},
      {"coordinator:office", "张三", "协调员 张三"},
      {"coordinator:office", "", "协调员 office"},
      {"coordinator:office", NULL, "协调员 office"},
      {"auditor:audit", NULL, "审计员 audit"},
      {"admin:admin", "李四", "管理员 李四"},
      {"system", NULL, "督办系统"},
      {"KJJ", NULL, "市科学技术局"}, /* a bare code, as InboxItem.from or Task.unit */
      {"unit:", NULL, "unit:"},      /* not an identity: as given */
      {"someone else", NULL, "someone else"},
      {"", NULL, ""},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char out[128];
    char *back =
        dbn_identity_display_name(cases[i].identity, cases[i].person, units, N_UNITS, out, sizeof out);
    assert_ptr_equal(back, out);
    if (strcmp(out, cases[i].shown) != 0)
      fail_msg("%s (%s): got '%s', want '%s'", cases[i].identity, cases[i].person ? cases[i].person : "-",
               out, cases[i].shown);
  }
  char out[8];
  assert_string_equal(dbn_identity_display_name(NULL, NULL, units, N_UNITS, out, sizeof out), "");
}

/* A buffer too small holds whole characters only: 市能源局 is 12 bytes. */
static void
test_cut_at_characters(void **state)
{
  (void)state;
  static const struct {
    size_t room;
    const char *shown;
  } cases[] = {
      {13, "市能源局"}, {12, "市能源"}, {10, "市能源"}, {9, "市能"}, {4, "市"}, {3, ""}, {1, ""},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char out[16];
    memset(out, 'x', sizeof out);
    dbn_identity_display_name("unit:NYJ", NULL, units, N_UNITS, out, cases[i].room);
    if (strcmp(out, cases[i].shown) != 0)
      fail_msg("room %zu: got '%s', want '%s'", cases[i].room, out, cases[i].shown);
  }
  char untouched = 'x';
  dbn_identity_display_name("unit:NYJ", NULL, units, N_UNITS, &untouched, 0);
  assert_int_equal(untouched, 'x');
}

/* Refusals as a person reads them: codes and identities that stand as
 * words become names; task ids, words that only contain a code, and
 * "system" stay. */
static void
test_names_in_text(void **state)
{
  (void)state;
  static const struct {
    const char *text, *shown;
  } cases[] = {
      {"任务 demo-2023-1:2.1.1 已属于 NYJ", "任务 demo-2023-1:2.1.1 已属于 市能源局"},
      {"任务 2.1.2 由 KJJ 负责。", "任务 2.1.2 由 市科学技术局 负责。"},
      {"unit:NYJ 无权验收（仅限协调办）", "市能源局 无权验收（仅限协调办）"},
      {"coordinator:office may not claim: it is for units", "协调员 office may not claim: it is for units"},
      {"no unit with code 'JTJ'", "no unit with code 'JTJ'"}, /* not in the plan: as typed */
      {"NYJ.", "市能源局."},
      {"NYJ:KJJ", "NYJ:KJJ"}, /* not an identity, not a code */
      {"NYJX KJJ2 xNYJ", "NYJX KJJ2 xNYJ"},
      {"the system is busy", "the system is busy"},
      {"（NYJ）", "（市能源局）"},
      {"", ""},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char out[256];
    assert_ptr_equal(dbn_display_names_in_text(cases[i].text, units, N_UNITS, out, sizeof out), out);
    if (strcmp(out, cases[i].shown) != 0)
      fail_msg("'%s': got '%s', want '%s'", cases[i].text, out, cases[i].shown);
  }
  /* Too little room: whole characters only, never a split one. */
  static const struct {
    size_t room;
    const char *shown;
  } cut[] = {{64, "由 市能源局 负责"}, {14, "由 市能源"}, {12, "由 市能"}, {9, "由 市"}, {5, "由 "}, {1, ""}};
  for (size_t i = 0; i < sizeof cut / sizeof cut[0]; i++) {
    char out[64];
    dbn_display_names_in_text("由 NYJ 负责", units, N_UNITS, out, cut[i].room);
    if (strcmp(out, cut[i].shown) != 0)
      fail_msg("room %zu: got '%s', want '%s'", cut[i].room, out, cut[i].shown);
  }
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_unit_names),
      cmocka_unit_test(test_identities),
      cmocka_unit_test(test_cut_at_characters),
      cmocka_unit_test(test_names_in_text),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
