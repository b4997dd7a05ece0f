/* channel.h: the pure half of notifications: which events notify whom,
 * what the message says, where it goes and how it is signed.
 *
 * Nothing here does I/O except reading the config file: notify.c owns the
 * queue and the delivery thread and calls these to decide and to format,
 * so every rule can be unit tested without a network. */
#ifndef DUBAN_NOTIFY_CHANNEL_H
#define DUBAN_NOTIFY_CHANNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "duban.pb-c.h"

#define DBN_NOTIFY_MAX_CHANNELS 32
#define DBN_NOTIFY_MAX_FILTER 32
#define DBN_NOTIFY_NAME_MAX 64
#define DBN_NOTIFY_URL_MAX 1024
#define DBN_NOTIFY_TEXT_MAX 2048

enum dbn_channel_kind {
  DBN_CHANNEL_DINGTALK, /* 钉钉 custom robot: {"msgtype":"text"}, optional sign */
  DBN_CHANNEL_WECOM,    /* 企业微信 group robot: msgtype text or markdown */
  DBN_CHANNEL_WEBHOOK,  /* generic JSON POST, optional X-Duban-Signature */
};

/* One [channel NAME] section of the config file. */
typedef struct {
  char name[DBN_NOTIFY_NAME_MAX];                          /* the section's NAME; queue key prefix */
  enum dbn_channel_kind kind;                              /* type = dingtalk | wecom | webhook */
  char url[DBN_NOTIFY_URL_MAX];                            /* url = https://... */
  char secret[256];                                        /* secret = ...; "" = unsigned */
  char ca_file[512];                                       /* ca_file = PEM; "" = the system's CAs */
  bool markdown;                                           /* wecom: format = markdown */
  long timeout_s;                                          /* timeout = seconds (default 10) */
  size_t n_units;                                          /* 0 = every unit */
  char units[DBN_NOTIFY_MAX_FILTER][DBN_NOTIFY_NAME_MAX];  /* units = code,code */
  size_t n_ladder;                                         /* 0 = every ladder level */
  char ladder[DBN_NOTIFY_MAX_FILTER][DBN_NOTIFY_NAME_MAX]; /* ladder = WHOM,WHOM: levels notifying them */
  size_t n_events;                                         /* 0 = every kind that notifies */
  char events[DBN_NOTIFY_MAX_FILTER][DBN_NOTIFY_NAME_MAX]; /* events = reminded,rejected */
} dbn_channel_t;

typedef struct {
  size_t count;                                    /* channels in use */
  dbn_channel_t channels[DBN_NOTIFY_MAX_CHANNELS]; /* in file order */
} dbn_channels_t;

/* Read a config file of `key = value` lines with one `[channel NAME]`
 * section per channel ('#' starts a comment). On failure why (in Chinese)
 * names the file, the line and what is wrong. */
int dbn_channels_load(dbn_channels_t *channels, const char *path, char *why, size_t why_len);

/* Parse the same from text in memory (path names it in errors). */
int dbn_channels_parse(dbn_channels_t *channels, const char *text, const char *path, char *why,
                       size_t why_len);

/* What a notification is about, resolved from the notifier's directory
 * (units as typed in the plan, task titles, escalations' tasks). Strings
 * are borrowed; "" when unknown. */
typedef struct {
  const char *unit_code; /* the unit that owns the task */
  const char *unit_name; /* its name as typed in the plan */
  const char *task;      /* task id */
  const char *title;     /* the action's text */
} dbn_notice_subject_t;

/* True for the kinds of event that notify anyone: reminded, rejected,
 * deadline_warning, escalation_level, escalated, resolved. */
bool dbn_notice_kind_notifies(Duban__Event__BodyCase body);

/* True when channel takes an event of kind (dbn_wire_event_name) about
 * unit_code. ladder_notify is an escalation_level's `notify` (whom the
 * level notifies, "" = the coordinators, written "coordinators" in a
 * channel's ladder list), NULL for other kinds. */
bool dbn_channel_matches(const dbn_channel_t *channel, const char *kind, const char *unit_code,
                         const char *ladder_notify);

/* The escalation_level's notify of event, or NULL for other kinds. */
const char *dbn_notice_ladder_notify(const Duban__Event *event);

/* The Chinese text of the notification into buf: department, task id and
 * title, what happened, the reason or note, the 经办人 and the time in
 * Asia/Shanghai. Returns the length (truncated to buf_len - 1 on a UTF-8
 * boundary). */
size_t dbn_notice_text(const Duban__Event *event, const dbn_notice_subject_t *subject, char *buf,
                       size_t buf_len);

/* "2024-01-05 09:30" for unix seconds t in the plan's zone (domain/date.h; Beijing by default). */
void dbn_notice_time(int64_t t, char *buf, size_t buf_len);

/* DingTalk's signature: urlencode(base64(HMAC-SHA256(secret, "TS\nsecret")))
 * for timestamp_ms, into out (at least 128 bytes). */
int dbn_dingtalk_sign(const char *secret, int64_t timestamp_ms, char *out, size_t out_len);

/* Lower-case hex HMAC-SHA256(secret, body) into out (65 bytes). */
void dbn_hmac_hex(const char *secret, const char *body, size_t body_len, char *out);

#endif
