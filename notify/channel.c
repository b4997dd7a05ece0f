/* channel.c: see channel.h. */
#include "channel.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "date.h"
#include "error.h"
#include "inbox.h"
#include "utf8.h"
#include "wire.h"

/* ---- the config file -------------------------------------------------------- */

static char *
trim(char *s)
{
  while (isspace((unsigned char)*s))
    s++;
  size_t len = strlen(s);
  while (len > 0 && isspace((unsigned char)s[len - 1]))
    s[--len] = '\0';
  return s;
}

static int
copy_value(char *dst, size_t dst_len, const char *value)
{
  if (strlen(value) >= dst_len)
    return DBN_ETOOBIG;
  strcpy(dst, value);
  return 0;
}

/* "a, b,c" into list; DBN_ETOOBIG past the list's size. */
static int
parse_list(char list[][DBN_NOTIFY_NAME_MAX], size_t *count_p, const char *value)
{
  char copy[DBN_NOTIFY_MAX_FILTER * DBN_NOTIFY_NAME_MAX];
  if (copy_value(copy, sizeof copy, value))
    return DBN_ETOOBIG;
  *count_p = 0;
  char *save = NULL;
  for (char *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
    item = trim(item);
    if (!*item)
      continue;
    if (*count_p == DBN_NOTIFY_MAX_FILTER || copy_value(list[*count_p], DBN_NOTIFY_NAME_MAX, item))
      return DBN_ETOOBIG;
    (*count_p)++;
  }
  return 0;
}

static const char *const notifying_kinds[] = {
    "reminded",  "rejected", "deadline_warning", "escalation_level",
    "escalated", "resolved", "lead_reminded"}; /* a measure's lead unit's 催办 (domain/lead.h) */

static bool
known_kind(const char *kind)
{
  for (size_t i = 0; i < sizeof notifying_kinds / sizeof *notifying_kinds; i++)
    if (strcmp(kind, notifying_kinds[i]) == 0)
      return true;
  return false;
}

/* One `key = value` of a channel; why says what is wrong (without the line). */
static int
channel_option(dbn_channel_t *ch, const char *key, const char *value, char *why, size_t why_len)
{
  if (strcmp(key, "type") == 0) {
    if (strcmp(value, "dingtalk") == 0)
      ch->kind = DBN_CHANNEL_DINGTALK;
    else if (strcmp(value, "wecom") == 0)
      ch->kind = DBN_CHANNEL_WECOM;
    else if (strcmp(value, "webhook") == 0)
      ch->kind = DBN_CHANNEL_WEBHOOK;
    else
      return snprintf(why, why_len, "type 应为 dingtalk、wecom 或 webhook，而不是“%s”", value), DBN_EINVAL;
    return 0;
  }
  if (strcmp(key, "url") == 0) {
    if (strncmp(value, "https://", 8) != 0 && strncmp(value, "http://", 7) != 0)
      return snprintf(why, why_len, "url 应以 https:// 开头，而不是“%s”", value), DBN_EINVAL;
    if (copy_value(ch->url, sizeof ch->url, value))
      return snprintf(why, why_len, "url 太长"), DBN_ETOOBIG;
    return 0;
  }
  if (strcmp(key, "secret") == 0)
    return copy_value(ch->secret, sizeof ch->secret, value)
               ? (snprintf(why, why_len, "secret 太长"), DBN_ETOOBIG)
               : 0;
  if (strcmp(key, "ca_file") == 0)
    return copy_value(ch->ca_file, sizeof ch->ca_file, value)
               ? (snprintf(why, why_len, "ca_file 太长"), DBN_ETOOBIG)
               : 0;
  if (strcmp(key, "format") == 0) {
    if (strcmp(value, "text") != 0 && strcmp(value, "markdown") != 0)
      return snprintf(why, why_len, "format 应为 text 或 markdown，而不是“%s”", value), DBN_EINVAL;
    ch->markdown = strcmp(value, "markdown") == 0;
    return 0;
  }
  if (strcmp(key, "timeout") == 0) {
    char *end;
    long t = strtol(value, &end, 10);
    if (*end || t < 1 || t > 600)
      return snprintf(why, why_len, "timeout 应为 1 到 600 秒，而不是“%s”", value), DBN_EINVAL;
    ch->timeout_s = t;
    return 0;
  }
  if (strcmp(key, "units") == 0)
    return parse_list(ch->units, &ch->n_units, value)
               ? (snprintf(why, why_len, "units 过多或过长"), DBN_ETOOBIG)
               : 0;
  if (strcmp(key, "ladder") == 0)
    return parse_list(ch->ladder, &ch->n_ladder, value)
               ? (snprintf(why, why_len, "ladder 过多或过长"), DBN_ETOOBIG)
               : 0;
  if (strcmp(key, "events") == 0) {
    if (parse_list(ch->events, &ch->n_events, value))
      return snprintf(why, why_len, "events 过多或过长"), DBN_ETOOBIG;
    for (size_t i = 0; i < ch->n_events; i++)
      if (!known_kind(ch->events[i]))
        return snprintf(why, why_len,
                        "未知的事件类型“%s”（可用 reminded、rejected、deadline_warning、escalation_level、"
                        "escalated、resolved、lead_reminded）",
                        ch->events[i]),
               DBN_EINVAL;
    return 0;
  }
  snprintf(why, why_len, "未知的选项“%s”", key);
  return DBN_EINVAL;
}

/* "[channel NAME]" opens a channel. */
static int
open_section(dbn_channels_t *channels, char *line, char *why, size_t why_len)
{
  size_t len = strlen(line);
  if (line[len - 1] != ']' || strncmp(line, "[channel ", 9) != 0)
    return snprintf(why, why_len, "节应写作 [channel 名称]"), DBN_EINVAL;
  line[len - 1] = '\0';
  char *name = trim(line + 9);
  if (!*name || strchr(name, '/') || strlen(name) >= DBN_NOTIFY_NAME_MAX)
    return snprintf(why, why_len, "通道名称为空、过长或含有“/”"), DBN_EINVAL;
  for (size_t i = 0; i < channels->count; i++)
    if (strcmp(channels->channels[i].name, name) == 0)
      return snprintf(why, why_len, "通道“%s”重复", name), DBN_EINVAL;
  if (channels->count == DBN_NOTIFY_MAX_CHANNELS)
    return snprintf(why, why_len, "通道超过 %d 个", DBN_NOTIFY_MAX_CHANNELS), DBN_ETOOBIG;
  dbn_channel_t *ch = &channels->channels[channels->count++];
  memset(ch, 0, sizeof *ch);
  strcpy(ch->name, name);
  ch->kind = DBN_CHANNEL_WEBHOOK;
  ch->timeout_s = 10;
  return 0;
}

static int
check_channel(const dbn_channel_t *ch, char *why, size_t why_len)
{
  if (!ch->url[0])
    return snprintf(why, why_len, "通道“%s”缺少 url", ch->name), DBN_EINVAL;
  return 0;
}

/* One line: a comment, a section, or a key of the current channel. */
static int
parse_line(dbn_channels_t *channels, char *line, char *why, size_t why_len)
{
  line = trim(line);
  if (!*line || *line == '#')
    return 0;
  if (*line == '[') {
    if (channels->count && check_channel(&channels->channels[channels->count - 1], why, why_len))
      return DBN_EINVAL;
    return open_section(channels, line, why, why_len);
  }
  char *eq = strchr(line, '=');
  if (!eq)
    return snprintf(why, why_len, "应为“键 = 值”"), DBN_EINVAL;
  *eq = '\0';
  char *key = trim(line), *value = trim(eq + 1);
  if (!channels->count)
    return snprintf(why, why_len, "“%s”出现在任何 [channel 名称] 之前", key), DBN_EINVAL;
  return channel_option(&channels->channels[channels->count - 1], key, value, why, why_len);
}

int
dbn_channels_parse(dbn_channels_t *channels, const char *text, const char *path, char *why, size_t why_len)
{
  channels->count = 0;
  char *copy = strdup(text);
  if (!copy)
    return DBN_ENOMEM;
  int rc = 0;
  unsigned line_no = 0;
  char what[512] = "";
  char *cursor = copy;
  /* strsep keeps empty lines, so line numbers stay right. */
  for (char *line = strsep(&cursor, "\n"); line && rc == 0; line = strsep(&cursor, "\n")) {
    line_no++;
    rc = parse_line(channels, line, what, sizeof what);
  }
  if (rc == 0 && channels->count &&
      check_channel(&channels->channels[channels->count - 1], what, sizeof what)) {
    rc = DBN_EINVAL;
    snprintf(why, why_len, "%s：%s", path, what);
  } else if (rc) {
    snprintf(why, why_len, "%s 第 %u 行：%s", path, line_no, what);
  }
  free(copy);
  return rc;
}

int
dbn_channels_load(dbn_channels_t *channels, const char *path, char *why, size_t why_len)
{
  FILE *f = fopen(path, "r");
  if (!f)
    return snprintf(why, why_len, "无法打开配置文件 %s", path), DBN_ENOTFOUND;
  char *text = NULL;
  size_t len = 0;
  FILE *mem = open_memstream(&text, &len);
  int c, rc = mem ? 0 : DBN_ENOMEM;
  while (mem && (c = fgetc(f)) != EOF && len < (1u << 20))
    fputc(c, mem);
  fclose(f);
  if (mem)
    fclose(mem);
  if (rc == 0)
    rc = dbn_channels_parse(channels, text, path, why, why_len);
  free(text);
  return rc;
}

/* ---- which events notify whom ---------------------------------------------- */

bool
dbn_notice_kind_notifies(Duban__Event__BodyCase body)
{
  return known_kind(dbn_wire_event_name(body));
}

static bool
in_list(const char list[][DBN_NOTIFY_NAME_MAX], size_t count, const char *value)
{
  for (size_t i = 0; i < count; i++)
    if (strcmp(list[i], value) == 0)
      return true;
  return false;
}

const char *
dbn_notice_ladder_notify(const Duban__Event *event)
{
  if (event->body_case != DUBAN__EVENT__BODY_ESCALATION_LEVEL)
    return NULL;
  return event->escalation_level->notify ? event->escalation_level->notify : "";
}

bool
dbn_channel_matches(const dbn_channel_t *channel, const char *kind, const char *unit_code,
                    const char *ladder_notify)
{
  const dbn_channel_t *ch = channel;
  if (ch->n_events && !in_list(ch->events, ch->n_events, kind))
    return false;
  if (ladder_notify && ch->n_ladder &&
      !in_list(ch->ladder, ch->n_ladder, *ladder_notify ? ladder_notify : "coordinators"))
    return false;
  return !ch->n_units || in_list(ch->units, ch->n_units, unit_code ? unit_code : "");
}

/* ---- the message -------------------------------------------------------------- */

void
dbn_notice_time(int64_t t, char *buf, size_t buf_len)
{
  char local[24];
  dbn_time_format_minute(t, local);
  snprintf(buf, buf_len, "%s", local);
}

/* What happened, in the words a department reads. */
static const char *
headline(const Duban__Event *event)
{
  switch (event->body_case) {
  case DUBAN__EVENT__BODY_REMINDED: return "催办";
  case DUBAN__EVENT__BODY_REJECTED: return "退回重办";
  case DUBAN__EVENT__BODY_DEADLINE_WARNING:
    return strcmp(event->deadline_warning->level, "red") == 0 ? "逾期警示" : "到期提醒";
  case DUBAN__EVENT__BODY_ESCALATION_LEVEL: return "督办升级";
  case DUBAN__EVENT__BODY_ESCALATED: return "问题上报";
  case DUBAN__EVENT__BODY_RESOLVED: return "问题已解决";
  case DUBAN__EVENT__BODY_LEAD_REMINDED: return "牵头单位催办";
  default: return "通知";
  }
}

/* The detail line: the inbox's words where the inbox has them (one home
 * for what an item says), the escalation's own for a raise. */
static void
detail(const Duban__Event *event, char *buf, size_t buf_len)
{
  if (event->body_case == DUBAN__EVENT__BODY_ESCALATED) {
    const Duban__Escalate *e = event->escalated;
    snprintf(buf, buf_len, "%s%s%s", e->category && *e->category ? e->category : "",
             e->category && *e->category && e->reason && *e->reason ? "：" : "", e->reason ? e->reason : "");
    return;
  }
  char text_buf[512];
  Duban__InboxItem item;
  buf[0] = '\0';
  if (dbn_inbox_item_of(event, &item, text_buf, sizeof text_buf) && item.text)
    snprintf(buf, buf_len, "%s", item.text);
}

static const char *
detail_label(const Duban__Event *event)
{
  switch (event->body_case) {
  case DUBAN__EVENT__BODY_REJECTED: return "退回原因";
  case DUBAN__EVENT__BODY_ESCALATED: return "问题";
  case DUBAN__EVENT__BODY_DEADLINE_WARNING:
  case DUBAN__EVENT__BODY_ESCALATION_LEVEL: return "说明";
  default: return "意见";
  }
}

/* Cut s to at most max bytes on a UTF-8 boundary. */
static void
cut_utf8(char *s, size_t max)
{
  size_t len = strlen(s);
  if (len <= max)
    return;
  size_t end = max;
  while (end > 0 && ((unsigned char)s[end] & 0xC0) == 0x80)
    end--;
  s[end] = '\0';
}

/* snprintf cuts on a byte: drop the character it left incomplete. */
static void
drop_partial_tail(char *s)
{
  size_t len = strlen(s), start = len;
  while (start > 0 && ((unsigned char)s[start - 1] & 0xC0) == 0x80)
    start--;
  if (start == 0)
    return;
  unsigned char lead = (unsigned char)s[--start];
  size_t want = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
  if (start + want > len)
    s[start] = '\0';
}

size_t
dbn_notice_text(const Duban__Event *event, const dbn_notice_subject_t *subject, char *buf, size_t buf_len)
{
  char when[32], what[1024], title[256];
  dbn_notice_time(event->time, when, sizeof when);
  detail(event, what, sizeof what);
  snprintf(title, sizeof title, "%s", subject->title ? subject->title : "");
  if (strlen(title) > 120) {
    cut_utf8(title, 120);
    strcat(title, "…");
  }
  const char *unit = subject->unit_name && *subject->unit_name   ? subject->unit_name
                     : subject->unit_code && *subject->unit_code ? subject->unit_code
                                                                 : "（未知单位）";
  int n =
      snprintf(buf, buf_len, "【督办%s】%s\n任务：%s%s%s\n", headline(event), unit,
               subject->task && *subject->task ? subject->task : "（未知任务）", *title ? " " : "", title);
  if (n >= 0 && (size_t)n < buf_len && *what)
    n += snprintf(buf + n, buf_len - n, "%s：%s\n", detail_label(event), what);
  const char *whom = dbn_notice_ladder_notify(event);
  if (n >= 0 && (size_t)n < buf_len && whom && *whom)
    n += snprintf(buf + n, buf_len - n, "呈报：%s\n", whom);
  if (n >= 0 && (size_t)n < buf_len && event->person && *event->person)
    n += snprintf(buf + n, buf_len - n, "经办人：%s\n", event->person);
  if (n >= 0 && (size_t)n < buf_len)
    n += snprintf(buf + n, buf_len - n, "时间：%s", when);
  if (n < 0)
    n = 0;
  if ((size_t)n >= buf_len)
    drop_partial_tail(buf);
  return strlen(buf);
}

/* ---- signatures ------------------------------------------------------------ */

static void
urlencode(const char *in, char *out, size_t out_len)
{
  static const char hex[] = "0123456789ABCDEF";
  size_t o = 0;
  for (const unsigned char *p = (const unsigned char *)in; *p && o + 4 < out_len; p++) {
    if (isalnum(*p) || *p == '-' || *p == '_' || *p == '.' || *p == '~') {
      out[o++] = (char)*p;
    } else {
      out[o++] = '%';
      out[o++] = hex[*p >> 4];
      out[o++] = hex[*p & 15];
    }
  }
  out[o] = '\0';
}

int
dbn_dingtalk_sign(const char *secret, int64_t timestamp_ms, char *out, size_t out_len)
{
  char message[512];
  int n = snprintf(message, sizeof message, "%lld\n%s", (long long)timestamp_ms, secret);
  if (n < 0 || (size_t)n >= sizeof message || out_len < 128)
    return DBN_ETOOBIG;
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, (const unsigned char *)secret, strlen(secret));
  crypto_auth_hmacsha256_update(&state, (const unsigned char *)message, (unsigned long long)n);
  crypto_auth_hmacsha256_final(&state, mac);
  char b64[sodium_base64_ENCODED_LEN(crypto_auth_hmacsha256_BYTES, sodium_base64_VARIANT_ORIGINAL)];
  sodium_bin2base64(b64, sizeof b64, mac, sizeof mac, sodium_base64_VARIANT_ORIGINAL);
  urlencode(b64, out, out_len);
  return 0;
}

void
dbn_hmac_hex(const char *secret, const char *body, size_t body_len, char *out)
{
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, (const unsigned char *)secret, strlen(secret));
  crypto_auth_hmacsha256_update(&state, (const unsigned char *)body, body_len);
  crypto_auth_hmacsha256_final(&state, mac);
  sodium_bin2hex(out, 65, mac, sizeof mac);
}
