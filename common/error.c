/* error.c: the text of each duban error code; see error.h. */
#include "error.h"

#include <stddef.h>

#include "lang.h"

/* Indexed by DBN_ERROR_BASE - err; [0] is DBN_OK. English, for --lang en
 * and for scripts that match it. */
static const char *const error_text[] = {
    [0] = "success",
    [DBN_ERROR_BASE - DBN_ENOMEM] = "out of memory",
    [DBN_ERROR_BASE - DBN_EINVAL] = "invalid argument",
    [DBN_ERROR_BASE - DBN_ENOTFOUND] = "not found",
    [DBN_ERROR_BASE - DBN_EEXIST] = "already exists",
    [DBN_ERROR_BASE - DBN_EPERM] = "permission denied",
    [DBN_ERROR_BASE - DBN_ESTATE] = "not allowed in the current state",
    [DBN_ERROR_BASE - DBN_EUNAVAIL] = "unavailable",
    [DBN_ERROR_BASE - DBN_EIO] = "input/output error",
    [DBN_ERROR_BASE - DBN_EMAPFULL] = "the event log's map is full",
    [DBN_ERROR_BASE - DBN_ECORRUPT] = "the event log does not verify",
    [DBN_ERROR_BASE - DBN_EVERSION] = "unsupported version",
    [DBN_ERROR_BASE - DBN_ETOOBIG] = "over the size limit",
    [DBN_ERROR_BASE - DBN_ETIMEDOUT] = "timed out",
    [DBN_ERROR_BASE - DBN_EPROTO] = "malformed message",
    [DBN_ERROR_BASE - DBN_EINTERNAL] = "internal error",
    [DBN_ERROR_BASE - DBN_EUNAUTH] = "not authenticated",
    [DBN_ERROR_BASE - DBN_EDISKFULL] = "no space left on the device",
};

/* The same in Chinese, what a person reads by default (common/lang.h). */
static const char *const error_text_zh[] = {
    [0] = "成功",
    [DBN_ERROR_BASE - DBN_ENOMEM] = "内存不足",
    [DBN_ERROR_BASE - DBN_EINVAL] = "参数无效",
    [DBN_ERROR_BASE - DBN_ENOTFOUND] = "未找到",
    [DBN_ERROR_BASE - DBN_EEXIST] = "已存在",
    [DBN_ERROR_BASE - DBN_EPERM] = "无权操作",
    [DBN_ERROR_BASE - DBN_ESTATE] = "当前状态下不允许此操作",
    [DBN_ERROR_BASE - DBN_EUNAVAIL] = "暂不可用",
    [DBN_ERROR_BASE - DBN_EIO] = "读写错误",
    [DBN_ERROR_BASE - DBN_EMAPFULL] = "事件日志的映射空间已满",
    [DBN_ERROR_BASE - DBN_ECORRUPT] = "事件日志校验不通过",
    [DBN_ERROR_BASE - DBN_EVERSION] = "不支持的版本",
    [DBN_ERROR_BASE - DBN_ETOOBIG] = "超过大小上限",
    [DBN_ERROR_BASE - DBN_ETIMEDOUT] = "超时",
    [DBN_ERROR_BASE - DBN_EPROTO] = "消息格式错误",
    [DBN_ERROR_BASE - DBN_EINTERNAL] = "内部错误",
    [DBN_ERROR_BASE - DBN_EUNAUTH] = "未通过身份认证",
    [DBN_ERROR_BASE - DBN_EDISKFULL] = "磁盘空间已满",
};

_Static_assert(sizeof error_text / sizeof error_text[0] == DBN_ERROR_BASE - DBN_ERROR_LAST + 1,
               "every error code has its text");
_Static_assert(sizeof error_text_zh / sizeof error_text_zh[0] == sizeof error_text / sizeof error_text[0],
               "every error code has its Chinese text");

bool
dbn_error_known(int err)
{
  return err == DBN_OK || (err <= DBN_ERROR_FIRST && err >= DBN_ERROR_LAST);
}

const char *
dbn_strerror(int err)
{
  if (!dbn_error_known(err))
    return dbn_tr("未知错误", "unknown error");
  size_t index = err == DBN_OK ? 0 : (size_t)(DBN_ERROR_BASE - err);
  return dbn_lang() == DBN_LANG_EN ? error_text[index] : error_text_zh[index];
}
