/* test_notify.c: the notifier's pure rules (signing, text, filters, the
 * config) and its queue's idempotence, on a real LMDB file in a temporary
 * folder. Delivery over HTTPS is tested by test_notify_delivery.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "channel.h"
#include "notify.h"

/* ---- signatures ---------------------------------------------------------- */

static void
dingtalk_sign_matches_openssl(void **state)
{
  (void)state;
  /* Computed with:
   *   printf '1700000000000\nSECdemo123' | openssl dgst -sha256 -hmac 'SECdemo123' -binary | base64
   * = imhjUyccMWrEIuwTZX5N+pQn4Ak5Z73kYWY/9M8b3wA=, then '+', '/', '=' percent-encoded. */
  char sign[160];
  assert_int_equal(dbn_dingtalk_sign("SECdemo123", 1700000000000LL, sign, sizeof sign), 0);
  assert_string_equal(sign, "imhjUyccMWrEIuwTZX5N%2BpQn4Ak5Z73kYWY%2F9M8b3wA%3D");
}

static void
webhook_hmac_matches_openssl(void **state)
{
  (void)state;
  /* printf 'hello' | openssl dgst -sha256 -hmac 'k' */
  char hex[65];
  dbn_hmac_hex("k", "hello", 5, hex);
  assert_string_equal(hex, "406e4b43f87095aa86ca6299d25e875921fefa180f02043bb29bec5681c0c2d0");
}

/* ---- the message ------------------------------------------------------------ */

/* 2024-01-05 01:30 UTC, 09:30 in Asia/Shanghai. */
#define T_0930 1704418200

static const dbn_notice_subject_t subject = {"JTJ", "市交通运输局", "demo-2023-1:2.1.1", "新建公共充电桩。"};

static void
expect_text(const Duban__Event *event, const char *const *parts)
{
  char text[DBN_NOTIFY_TEXT_MAX];
  dbn_notice_text(event, &subject, text, sizeof text);
  for (; *parts; parts++)
    if (!strstr(text, *parts))
      fail_msg("\"%s\" not in:\n%s", *parts, text);
}

static void
text_of_each_kind(void **state)
{
  (void)state;
  Duban__Event event = DUBAN__EVENT__INIT;
  event.seq = 7;
  event.time = T_0930;
  event.actor = "coordinator:office";
  event.person = "张三";

  Duban__Remind remind = DUBAN__REMIND__INIT;
  remind.task = "demo-2023-1:2.1.1";
  remind.note = "请本周内报送进度";
  event.body_case = DUBAN__EVENT__BODY_REMINDED;
  event.reminded = &remind;
  expect_text(&event, (const char *const[]){
                          "【督办催办】市交通运输局", "任务：demo-2023-1:2.1.1 新建公共充电桩。",
                          "意见：请本周内报送进度", "经办人：张三", "时间：2024-01-05 09:30", NULL});

  Duban__Reject reject = DUBAN__REJECT__INIT;
  reject.task = remind.task;
  reject.reason = "缺少验收材料";
  event.body_case = DUBAN__EVENT__BODY_REJECTED;
  event.rejected = &reject;
  expect_text(&event, (const char *const[]){"退回重办", "退回原因：缺少验收材料", NULL});

  Duban__DeadlineWarning warning = DUBAN__DEADLINE_WARNING__INIT;
  warning.task = remind.task;
  warning.due = "2023-12-31";
  warning.level = "red";
  event.person = "";
  event.body_case = DUBAN__EVENT__BODY_DEADLINE_WARNING;
  event.deadline_warning = &warning;
  expect_text(&event, (const char *const[]){"逾期警示", "节点 2023-12-31 已逾期", NULL});
  warning.level = "yellow";
  expect_text(&event, (const char *const[]){"到期提醒", "节点 2023-12-31 即将到期", NULL});

  Duban__EscalationLevel level = DUBAN__ESCALATION_LEVEL__INIT;
  level.escalation = 5;
  level.level = 1;
  level.name = "橙色督办单";
  event.body_case = DUBAN__EVENT__BODY_ESCALATION_LEVEL;
  event.escalation_level = &level;
  expect_text(&event, (const char *const[]){"督办升级", "督办升级为橙色督办单", NULL});
  level.notify = "分管副市长";
  expect_text(&event, (const char *const[]){"督办升级为橙色督办单", "呈报：分管副市长", NULL});

  Duban__Escalate escalate = DUBAN__ESCALATE__INIT;
  escalate.task = remind.task;
  escalate.category = "资金";
  escalate.reason = "配套资金未到位";
  event.body_case = DUBAN__EVENT__BODY_ESCALATED;
  event.escalated = &escalate;
  expect_text(&event, (const char *const[]){"问题上报", "问题：资金：配套资金未到位", NULL});

  Duban__Resolve resolve = DUBAN__RESOLVE__INIT;
  resolve.escalation = 5;
  resolve.note = "已协调财政局拨付";
  event.body_case = DUBAN__EVENT__BODY_RESOLVED;
  event.resolved = &resolve;
  expect_text(&event, (const char *const[]){"问题已解决", "意见：已协调财政局拨付", NULL});

  char text[DBN_NOTIFY_TEXT_MAX];
  dbn_notice_text(&event, &subject, text, sizeof text);
  assert_null(strstr(text, "经办人")); /* none given: no empty line for it */
}

static void
text_is_cut_on_a_character(void **state)
{
  (void)state;
  Duban__Remind remind = DUBAN__REMIND__INIT;
  remind.task = "t";
  remind.note = "请本周内报送进度";
  Duban__Event event = DUBAN__EVENT__INIT;
  event.body_case = DUBAN__EVENT__BODY_REMINDED;
  event.reminded = &remind;
  char text[40];
  size_t len = dbn_notice_text(&event, &subject, text, sizeof text);
  assert_true(len < sizeof text);
  /* no dangling continuation byte at the end */
  assert_true(len == 0 || ((unsigned char)text[len - 1] & 0xC0) != 0xC0);
  unsigned char last = (unsigned char)text[len - 1];
  if (last >= 0x80) {
    size_t start = len - 1;
    while (((unsigned char)text[start] & 0xC0) == 0x80)
      start--;
    assert_int_equal(len - start, 3); /* a whole CJK character */
  }
}

/* ---- channels --------------------------------------------------------------- */

static void
channel_filters(void **state)
{
  (void)state;
  dbn_channels_t channels;
  char why[512];
  assert_int_equal(dbn_channels_parse(&channels,
                                      "[channel all]\nurl = https://a/\n"
                                      "[channel jtj]\nurl = https://b/\nunits = JTJ, CZJ\n"
                                      "[channel rejects]\nurl = https://c/\nevents = rejected\nunits=LCJ\n",
                                      "t.conf", why, sizeof why),
                   0);
  assert_int_equal(channels.count, 3);
  dbn_channel_t *all = &channels.channels[0], *jtj = &channels.channels[1], *rej = &channels.channels[2];
  assert_true(dbn_channel_matches(all, "reminded", "ZRJ", NULL));
  assert_true(dbn_channel_matches(jtj, "reminded", "CZJ", NULL));
  assert_false(dbn_channel_matches(jtj, "reminded", "ZRJ", NULL));
  assert_false(dbn_channel_matches(jtj, "reminded", "", NULL));
  assert_true(dbn_channel_matches(rej, "rejected", "LCJ", NULL));
  assert_false(dbn_channel_matches(rej, "reminded", "LCJ", NULL));
  assert_false(dbn_channel_matches(rej, "rejected", "JTJ", NULL));
  /* ladder: which levels' `notify` a channel takes */
  assert_int_equal(
      dbn_channels_parse(&channels, "[channel leader]\nurl = https://a/\nladder = 分管副市长, coordinators\n",
                         "t.conf", why, sizeof why),
      0);
  dbn_channel_t *leader = &channels.channels[0];
  assert_true(dbn_channel_matches(leader, "escalation_level", "JTJ", "分管副市长"));
  assert_true(dbn_channel_matches(leader, "escalation_level", "JTJ", ""));
  assert_false(dbn_channel_matches(leader, "escalation_level", "JTJ", "市长"));
  assert_true(dbn_channel_matches(leader, "reminded", "JTJ", NULL)); /* other kinds unaffected */
  assert_true(dbn_notice_kind_notifies(DUBAN__EVENT__BODY_REMINDED));
  assert_true(dbn_notice_kind_notifies(DUBAN__EVENT__BODY_ESCALATION_LEVEL));
  assert_false(dbn_notice_kind_notifies(DUBAN__EVENT__BODY_CLAIMED));
  assert_false(dbn_notice_kind_notifies(DUBAN__EVENT__BODY_PLAN_LOADED));
  assert_true(
      dbn_notice_kind_notifies(DUBAN__EVENT__BODY_LEAD_REMINDED)); /* a lead unit's 催办 reaches the owner */
  assert_false(dbn_notice_kind_notifies(DUBAN__EVENT__BODY_PLAN_DATES_CHANGED));
}

static void
config_options(void **state)
{
  (void)state;
  dbn_channels_t channels;
  char why[512];
  assert_int_equal(dbn_channels_parse(&channels,
                                      "# comment\n\n[channel 钉钉]\ntype = dingtalk\n"
                                      "url = https://oapi.dingtalk.com/robot/send?access_token=x\n"
                                      "secret = SEC1\nca_file = /etc/ca.pem\ntimeout = 5\n"
                                      "[channel wx]\ntype = wecom\nformat = markdown\nurl = https://w/\n",
                                      "t.conf", why, sizeof why),
                   0);
  assert_int_equal(channels.count, 2);
  assert_string_equal(channels.channels[0].name, "钉钉");
  assert_int_equal(channels.channels[0].kind, DBN_CHANNEL_DINGTALK);
  assert_string_equal(channels.channels[0].secret, "SEC1");
  assert_string_equal(channels.channels[0].ca_file, "/etc/ca.pem");
  assert_int_equal(channels.channels[0].timeout_s, 5);
  assert_int_equal(channels.channels[1].kind, DBN_CHANNEL_WECOM);
  assert_true(channels.channels[1].markdown);
}

/* Each bad config names its line and the problem, in Chinese. */
static void
config_errors(void **state)
{
  (void)state;
  static const struct {
    const char *text, *why;
  } cases[] = {
      {"[channel a]\nurl = https://a/\ntype = sms\n", "t.conf 第 3 行：type 应为 dingtalk、wecom 或 webhook"},
      {"[channel a]\nurl = https://a/\ncolour = red\n", "t.conf 第 3 行：未知的选项“colour”"},
      {"url = https://a/\n", "t.conf 第 1 行：“url”出现在任何 [channel 名称] 之前"},
      {"[channel a]\nurl https://a/\n", "t.conf 第 2 行：应为“键 = 值”"},
      {"[channel a]\nurl = ftp://a/\n", "t.conf 第 2 行：url 应以 https:// 开头"},
      {"[channel a]\nurl = https://a/\nevents = reminded,claimed\n",
       "t.conf 第 3 行：未知的事件类型“claimed”"},
      {"[channel a]\nurl = https://a/\n[channel a]\n", "t.conf 第 3 行：通道“a”重复"},
      {"[channel a]\ntype = wecom\n", "t.conf：通道“a”缺少 url"},
      {"[channel a]\n[channel b]\nurl = https://a/\n", "t.conf 第 2 行：通道“a”缺少 url"},
      {"[channel a]\nurl = https://a/\ntimeout = 0\n", "t.conf 第 3 行：timeout 应为 1 到 600 秒"},
      {"[chan a]\n", "t.conf 第 1 行：节应写作 [channel 名称]"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    dbn_channels_t channels;
    char why[512] = "";
    assert_int_not_equal(dbn_channels_parse(&channels, cases[i].text, "t.conf", why, sizeof why), 0);
    if (strncmp(why, cases[i].why, strlen(cases[i].why)) != 0)
      fail_msg("case %zu: got \"%s\", want \"%s...\"", i, why, cases[i].why);
  }
  dbn_channels_t channels;
  char why[512];
  assert_int_not_equal(dbn_channels_load(&channels, "/nonexistent/notify.conf", why, sizeof why), 0);
  assert_non_null(strstr(why, "/nonexistent/notify.conf"));
}

/* The example every option is documented in must itself be valid. */
static void
example_config_loads(void **state)
{
  (void)state;
  dbn_channels_t channels;
  char why[512] = "";
  int rc = dbn_channels_load(&channels, DUBAN_SOURCE_DIR "/examples/notify/notify.conf", why, sizeof why);
  if (rc)
    fail_msg("%s", why);
  assert_int_equal(channels.count, 4);
  assert_int_equal(channels.channels[0].kind, DBN_CHANNEL_DINGTALK);
  assert_int_equal(channels.channels[1].kind, DBN_CHANNEL_WECOM);
  assert_int_equal(channels.channels[1].n_events, 4);
  assert_int_equal(channels.channels[2].n_ladder, 1);
  assert_int_equal(channels.channels[3].kind, DBN_CHANNEL_WEBHOOK);
}

/* ---- the queue ------------------------------------------------------------- */

typedef struct {
  char dir[64];
  char conf[96];
  char data[96];
} fixture_t;

static int
setup(void **state)
{
  fixture_t *f = calloc(1, sizeof *f);
  strcpy(f->dir, "/tmp/duban-notify-XXXXXX");
  if (!mkdtemp(f->dir))
    return -1;
  snprintf(f->conf, sizeof f->conf, "%s/notify.conf", f->dir);
  snprintf(f->data, sizeof f->data, "%s/queue", f->dir);
  FILE *out = fopen(f->conf, "w");
  fputs("[channel all]\nurl = https://127.0.0.1:9/\n"
        "[channel czj]\nurl = https://127.0.0.1:9/\nunits = CZJ\n",
        out);
  fclose(out);
  *state = f;
  return 0;
}

static int
teardown(void **state)
{
  fixture_t *f = *state;
  char cmd[160];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
  int rc = system(cmd);
  free(f);
  return rc == 0 ? 0 : -1;
}

static double
status_number(dbn_notifier_t *n, const char *name)
{
  cJSON *status = dbn_notifier_status(n);
  assert_non_null(status);
  double value = cJSON_GetNumberValue(cJSON_GetObjectItem(status, name));
  cJSON_Delete(status);
  return value;
}

/* A plan with one unit and one task, as the broker's first event. */
static void
offer_plan(dbn_notifier_t *n, uint64_t seq)
{
  Duban__Unit unit = DUBAN__UNIT__INIT;
  unit.code = "CZJ";
  unit.name = "市财政局";
  Duban__Unit *units[] = {&unit};
  Duban__Action action = DUBAN__ACTION__INIT;
  action.id = "p:1.2.1";
  action.unit = "CZJ";
  action.text = "做好项目资金保障工作。";
  Duban__Action *actions[] = {&action};
  Duban__Measure measure = DUBAN__MEASURE__INIT;
  measure.n_actions = 1;
  measure.actions = actions;
  Duban__Measure *measures[] = {&measure};
  Duban__Section section = DUBAN__SECTION__INIT;
  section.n_measures = 1;
  section.measures = measures;
  Duban__Section *sections[] = {&section};
  Duban__Plan plan = DUBAN__PLAN__INIT;
  plan.n_units = 1;
  plan.units = units;
  plan.n_sections = 1;
  plan.sections = sections;
  Duban__LoadPlan load = DUBAN__LOAD_PLAN__INIT;
  load.plan = &plan;
  Duban__Event event = DUBAN__EVENT__INIT;
  event.seq = seq;
  event.body_case = DUBAN__EVENT__BODY_PLAN_LOADED;
  event.plan_loaded = &load;
  assert_int_equal(dbn_notifier_offer(n, &event), 0);
}

static void
offer_remind(dbn_notifier_t *n, uint64_t seq, const char *task)
{
  Duban__Remind remind = DUBAN__REMIND__INIT;
  remind.task = (char *)task;
  remind.note = "请报送";
  Duban__Event event = DUBAN__EVENT__INIT;
  event.seq = seq;
  event.time = T_0930;
  event.body_case = DUBAN__EVENT__BODY_REMINDED;
  event.reminded = &remind;
  assert_int_equal(dbn_notifier_offer(n, &event), 0);
}

static void
queue_is_idempotent(void **state)
{
  fixture_t *f = *state;
  dbn_notifier_options_t options = {.data_dir = f->data, .config_path = f->conf};
  char why[512] = "";
  dbn_notifier_t *n;
  assert_int_equal(dbn_notifier_new(&n, &options, why, sizeof why), 0);
  assert_int_equal(dbn_notifier_last_seq(n), 0);
  offer_plan(n, 1);
  assert_int_equal(dbn_notifier_last_seq(n), 1);
  assert_int_equal(status_number(n, "pending"), 0); /* a plan notifies nobody */

  offer_remind(n, 2, "p:1.2.1"); /* CZJ's task: both channels */
  assert_int_equal(status_number(n, "pending"), 2);
  offer_remind(n, 2, "p:1.2.1"); /* the same event again */
  offer_remind(n, 1, "p:1.2.1"); /* an older one */
  assert_int_equal(status_number(n, "pending"), 2);
  assert_int_equal(dbn_notifier_last_seq(n), 2);
  dbn_notifier_destroy(&n);
  assert_null(n);

  /* After a restart the cursor and the queue are still there. */
  assert_int_equal(dbn_notifier_new(&n, &options, why, sizeof why), 0);
  assert_int_equal(dbn_notifier_last_seq(n), 2);
  offer_remind(n, 2, "p:1.2.1");
  assert_int_equal(status_number(n, "pending"), 2);
  offer_remind(n, 3, "p:9.9.9"); /* unknown unit: only the unfiltered channel */
  assert_int_equal(status_number(n, "pending"), 3);
  assert_int_equal(status_number(n, "failed"), 0);
  dbn_notifier_destroy(&n);
}

/* pending of channel name in the status's by_channel. */
static double
channel_pending(dbn_notifier_t *n, const char *name)
{
  cJSON *status = dbn_notifier_status(n), *item;
  assert_non_null(status);
  double pending = -1;
  cJSON_ArrayForEach(item, cJSON_GetObjectItem(status, "by_channel"))
  {
    if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(item, "channel")), name) == 0)
      pending = cJSON_GetNumberValue(cJSON_GetObjectItem(item, "pending"));
  }
  cJSON_Delete(status);
  return pending;
}

/* A queue started at a log's head learns from the older events and sends
 * none of them; the choice is kept across a restart and cannot be made
 * again once events were offered. */
static void
queue_starts_at_head(void **state)
{
  fixture_t *f = *state;
  dbn_notifier_options_t options = {.data_dir = f->data, .config_path = f->conf};
  char why[512] = "";
  dbn_notifier_t *n;
  assert_int_equal(dbn_notifier_new(&n, &options, why, sizeof why), 0);
  assert_true(dbn_notifier_is_new(n));
  assert_int_equal(dbn_notifier_skip_to(n, 3), 0);
  assert_false(dbn_notifier_is_new(n));
  offer_plan(n, 1);
  offer_remind(n, 2, "p:1.2.1"); /* history: not sent */
  dbn_notifier_destroy(&n);

  assert_int_equal(dbn_notifier_new(&n, &options, why, sizeof why), 0);
  assert_false(dbn_notifier_is_new(n));
  assert_int_equal(dbn_notifier_skip_to(n, 10), 0); /* too late: changes nothing */
  assert_int_equal(status_number(n, "deliver_after"), 3);
  offer_remind(n, 3, "p:1.2.1"); /* still history */
  assert_int_equal(status_number(n, "pending"), 0);
  offer_remind(n, 4, "p:1.2.1"); /* after the head: both channels, CZJ's name learnt from seq 1 */
  assert_int_equal(status_number(n, "pending"), 2);
  assert_int_equal(channel_pending(n, "all"), 1);
  assert_int_equal(channel_pending(n, "czj"), 1);
  assert_int_equal(dbn_notifier_last_seq(n), 4);
  dbn_notifier_destroy(&n);
}

static void
bad_config_refuses_to_open(void **state)
{
  fixture_t *f = *state;
  FILE *out = fopen(f->conf, "w");
  fputs("[channel a]\nurl = https://a/\nretries = 3\n", out);
  fclose(out);
  dbn_notifier_options_t options = {.data_dir = f->data, .config_path = f->conf};
  char why[512] = "";
  dbn_notifier_t *n = NULL;
  assert_int_not_equal(dbn_notifier_new(&n, &options, why, sizeof why), 0);
  assert_null(n);
  assert_non_null(strstr(why, "第 3 行"));
  assert_int_not_equal(access(f->data, F_OK), 0); /* nothing created */
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(dingtalk_sign_matches_openssl),
      cmocka_unit_test(webhook_hmac_matches_openssl),
      cmocka_unit_test(text_of_each_kind),
      cmocka_unit_test(text_is_cut_on_a_character),
      cmocka_unit_test(channel_filters),
      cmocka_unit_test(config_options),
      cmocka_unit_test(config_errors),
      cmocka_unit_test(example_config_loads),
      cmocka_unit_test_setup_teardown(queue_is_idempotent, setup, teardown),
      cmocka_unit_test_setup_teardown(queue_starts_at_head, setup, teardown),
      cmocka_unit_test_setup_teardown(bad_config_refuses_to_open, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
