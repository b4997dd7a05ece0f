/* test_web_refusal.c: the broker's refusals in Chinese (web/refusal.h),
 * with the broker's real message texts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "refusal.h"

static void
zh(int code, const char *message, const char *want)
{
  char out[512];
  dbn_web_refusal_zh(code, message, out, sizeof out);
  if (strcmp(out, want) != 0)
    fail_msg("%s\n  gave: %s\n  want: %s", message, out, want);
}

static void
known_messages(void **state)
{
  (void)state;
  zh(3,
     "figure '公共充电桩' is in 吨, but the target '公共充电桩' is measured in count of 个 (个); the targets "
     "of "
     "task 'demo-2023-1:2.1.1' are: 1. 公共充电桩 5000个",
     "指标“公共充电桩”填报的单位是吨，但目标“公共充电桩”以个计量（任务 demo-2023-1:2.1.1 的目标：1. "
     "公共充电桩 "
     "5000个）");
  zh(9, "task 'demo-2023-1:2.1.1' is submitted; claim needs it assigned",
     "任务 demo-2023-1:2.1.1 当前为已报结，签收须在任务待签收时进行");
  zh(9, "task 'd:1.1.1' is done; progress needs it claimed or in_progress or blocked",
     "任务 d:1.1.1 当前为已办结，填报进度须在任务已签收或推进中或受阻时进行");
  zh(7, "unit:JTJ may not reject: it is for coordinators admins", "unit:JTJ 无权退回（仅限协调办管理员）");
  zh(7, "task 'd:1.1.1' is not one of unit JTJ's tasks; a unit may act only on its own",
     "任务 d:1.1.1 不是 JTJ 的任务，部门只能办理本部门的任务");
  zh(5, "no task 'x'; `duban tasks` lists the tasks you can see", "没有任务 x");
  zh(9, "escalation 12 is already resolved", "督办事项 12 已解决");
}

static void
unknown_messages_keep_the_text(void **state)
{
  (void)state;
  zh(14, "the agent has too many requests waiting",
     "暂时无法处理，请稍后再试：the agent has too many requests waiting");
  zh(7, "", "无权执行此操作");
  zh(99, NULL, "操作被拒绝");
  /* A word in a name is not translated, only in the broker's own words. */
  zh(5, "no task 'done'; see", "没有任务 done");
}

static void
short_output_is_cut_cleanly(void **state)
{
  (void)state;
  char out[8];
  dbn_web_refusal_zh(7, "x", out, sizeof out);
  assert_string_equal(out, "无权"); /* 6 bytes; the next character would not fit whole */
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(known_messages),
      cmocka_unit_test(unknown_messages_keep_the_text),
      cmocka_unit_test(short_output_is_cut_cleanly),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
