/* refusal.c: the broker's refusals in Chinese; see refusal.h.
 *
 * Each known message is a pattern with %s where the broker puts a name or
 * a number, and a Chinese sentence with %1..%9 where those go as they
 * are, or #1..#9 for those that are the broker's words (task states,
 * request kinds, roles), which are said in Chinese. */
#include "refusal.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define MAX_CAPTURES 9

typedef struct {
  const char *start;
  size_t len;
} capture_t;

static const struct {
  const char *pattern, *zh;
} messages[] = {
    {"figure '%s' is in %s, but the target '%s' is measured in %s (%s); the targets of task '%s' are: %s",
     "指标“%1”填报的单位是%2，但目标“%3”以%5计量（任务 %6 的目标：%7）"},
    {"figure '%s' is in %s, but the target '%s' is measured in %s (%s)",
     "指标“%1”填报的单位是%2，但目标“%3”以%5计量"},
    {"task '%s' is blocked by an open escalation; %s needs it %s (a coordinator resolves the escalation "
     "first)",
     "任务 %1 因督办事项未解决而受阻，#2须在任务#3时进行（请先由协调办解决督办事项）"},
    {"task '%s' is %s; %s needs it %s", "任务 %1 当前为#2，#3须在任务#4时进行"},
    {"task '%s' is not one of unit %s's tasks; a unit may act only on its own",
     "任务 %1 不是 %2 的任务，部门只能办理本部门的任务"},
    {"task '%s' already belongs to unit %s", "任务 %1 已属于 %2"},
    {"task '%s' is in %s plans; give the full id (PLAN:%s)",
     "任务 %1 出现在 %2 个计划中，请写完整编号（计划:%3）"},
    {"no task '%s'; %s", "没有任务 %1"},
    {"no unit with code '%s'", "没有代码为 %1 的部门"},
    {"no unit '%s'; %s", "没有部门 %1"},
    {"no escalation %s; %s", "没有督办事项 %1"},
    {"escalation %s is already resolved", "督办事项 %1 已解决"},
    {"escalation %s is already acknowledged; resolve it when it is cleared",
     "督办事项 %1 已确认收到，问题解决后请标为已解决"},
    {"escalation %s is %s; only an open one rises a level", "督办事项 %1 当前为#2，只有未处理的事项才能升级"},
    {"%s may not %s: it is for %s", "%1 无权#2（仅限#3）"},
    {"unit %s may list only its own tasks", "%1 只能查看本部门的任务"},
    {"'%s' is not a target of this task; the targets of task '%s' are: %s",
     "“%1”不是本任务的目标（任务 %2 的目标：%3）"},
    {"figure '%s' has no unit; write it with one, as the target is; the targets of task '%s' are: %s",
     "指标“%1”没有写单位，请按目标的单位填写（任务 %2 的目标：%3）"},
    {"task '%s' sets no quantity to report against; report --percent and a --note (and evidence) instead of "
     "a "
     "figure",
     "任务 %1 没有可填报的数量目标，请填报进度百分比和说明（及佐证材料）"},
};

/* Words inside captures. */
static const struct {
  const char *word, *zh;
} words[] = {
    {"assigned", "待签收"},
    {"claimed", "已签收"},
    {"in_progress", "推进中"},
    {"blocked", "受阻"},
    {"submitted", "已报结"},
    {"done", "已办结"},
    {"claim", "签收"},
    {"progress", "填报进度"},
    {"submit", "报结"},
    {"accept", "验收通过"},
    {"reject", "退回"},
    {"remind", "催办"},
    {"reassign", "改派"},
    {"escalate", "提请协调"},
    {"ack", "确认收到"},
    {"resolve", "解决督办事项"},
    {"open", "未处理"},
    {"acknowledged", "已确认"},
    {"resolved", "已解决"},
    {"coordinators", "协调办"},
    {"units", "部门"},
    {"departments", "部门"},
    {"auditors", "审计"},
    {"admins", "管理员"},
    {"load_plan", "导入计划"},
    {"advance_clock", "调整时钟"},
    {"mark_inbox_read", "标记已读"},
    {"deadline", "到期未完成"}, /* the category of the deadline monitor's own escalations */
    {"milestone_met", "报告节点完成"},
    {"lead_remind", "牵头催办"},
};

const char *
dbn_web_word_zh(const char *word)
{
  for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
    if (strcmp(words[i].word, word) == 0)
      return words[i].zh;
  return NULL;
}

/* gRPC-numbered codes (proto/duban.proto's Code). */
static const char *
code_zh(int code)
{
  switch (code) {
  case 1: return "操作已取消";
  case 3: return "填报内容有误";
  case 4: return "等待超时";
  case 5: return "找不到对象";
  case 6: return "已存在";
  case 7: return "无权执行此操作";
  case 8: return "系统繁忙，请稍后再试";
  case 9: return "当前状态不允许此操作";
  case 10: return "操作冲突，请刷新后再试";
  case 13: return "系统内部错误";
  case 14: return "暂时无法处理，请稍后再试";
  case 16: return "身份未通过验证";
  default: return "操作被拒绝";
  }
}

/* Does text match pattern from here? Each %s takes the shortest text
 * that lets the rest match. */
static bool
match(const char *pattern, const char *text, capture_t *caps, size_t n)
{
  while (*pattern && !(pattern[0] == '%' && pattern[1] == 's')) {
    if (*pattern != *text)
      return false;
    pattern++;
    text++;
  }
  if (!*pattern)
    return !*text;
  if (n == MAX_CAPTURES)
    return false;
  for (const char *end = text;; end++) {
    caps[n] = (capture_t){text, (size_t)(end - text)};
    if (match(pattern + 2, end, caps, n + 1))
      return true;
    if (!*end)
      return false;
  }
}

/* Append text[0..len) to out at *used, stopping at the end of out. */
static void
append(char *out, size_t out_len, size_t *used, const char *text, size_t len)
{
  if (*used + 1 >= out_len)
    return;
  size_t room = out_len - 1 - *used;
  bool cut = len > room;
  if (cut) {
    len = room;
    while (len && ((unsigned char)text[len] & 0xc0) == 0x80)
      len--; /* never cut a UTF-8 character */
  }
  memcpy(out + *used, text, len);
  out[*used + len] = '\0';
  *used = cut ? out_len - 1 : *used + len; /* once cut, nothing more goes in */
}

/* A capture with its words in Chinese: "claimed or in_progress" →
 * "已签收或推进中"; a word the table lacks stays as it is. */
static void
append_words(char *out, size_t out_len, size_t *used, capture_t cap)
{
  const char *p = cap.start, *end = cap.start + cap.len;
  bool last_kept = false; /* the last word was kept in English: a space before the next such */
  while (p < end) {
    const char *sep = memchr(p, ' ', (size_t)(end - p));
    if (!sep)
      sep = end;
    size_t len = (size_t)(sep - p);
    char word[32];
    const char *zh = len == 2 && strncmp(p, "or", 2) == 0 ? "或" : NULL;
    if (!zh && len < sizeof word) {
      memcpy(word, p, len);
      word[len] = '\0';
      zh = dbn_web_word_zh(word);
    }
    if (zh) {
      append(out, out_len, used, zh, strlen(zh));
    } else if (len) {
      if (last_kept)
        append(out, out_len, used, " ", 1);
      append(out, out_len, used, p, len);
    }
    last_kept = !zh && len;
    p = sep < end ? sep + 1 : end;
  }
}

void
dbn_web_refusal_zh(int code, const char *message, char *out, size_t out_len)
{
  if (!out_len)
    return;
  out[0] = '\0';
  if (!message)
    message = "";
  capture_t caps[MAX_CAPTURES];
  size_t used = 0;
  for (size_t i = 0; i < sizeof messages / sizeof messages[0]; i++) {
    if (!match(messages[i].pattern, message, caps, 0))
      continue;
    for (const char *z = messages[i].zh; *z;) {
      if ((z[0] == '%' || z[0] == '#') && z[1] >= '1' && z[1] <= '9') {
        capture_t cap = caps[z[1] - '1'];
        if (z[0] == '#')
          append_words(out, out_len, &used, cap);
        else
          append(out, out_len, &used, cap.start, cap.len);
        z += 2;
      } else {
        size_t len = strcspn(z + 1, "%#") + 1;
        append(out, out_len, &used, z, len);
        z += len;
      }
    }
    return;
  }
  const char *zh = code_zh(code);
  append(out, out_len, &used, zh, strlen(zh));
  if (message[0]) {
    append(out, out_len, &used, "：", strlen("："));
    append(out, out_len, &used, message, strlen(message));
  }
}
