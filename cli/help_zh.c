/* help_zh.c: the Chinese `--help` of every subcommand (help_zh.h).
 *
 * Each text says what the English one beside its subcommand says, with the
 * same option names, argument names and examples: scripts and the person
 * reading type them as they are. tests/integration/test_help_zh.sh checks
 * that every subcommand has one and that both name the same options, so a
 * new option added to one text and not the other fails there. */
#include <stddef.h>
#include <string.h>

#include "cli.h"
#include "help_zh.h"
#include "lang.h"

/* DBN_CLI_CONNECTION_HELP (cli.h) in Chinese. */
#define CONNECTION_HELP_ZH                                                                                   \
  "连接（选项优先于环境变量）：\n"                                                             \
  "  --agent ipc:///PATH      本部门的代理（环境变量 DUBAN_AGENT）\n"                            \
  "  --broker tcp://HOST:PORT 直接连接中心服务（环境变量 DUBAN_BROKER）\n"                     \
  "  --server-key FILE        中心服务的公钥 KEYS/broker.key（环境变量 DUBAN_SERVER_KEY）\n"    \
  "  --key FILE               你的密钥 KEYS/NAME.key，旁边须有 NAME.key_secret\n"                   \
  "                           （环境变量 DUBAN_KEY）\n"                                                \
  "  --timeout MS             等待应答超过 MS 毫秒即放弃（默认 5000）\n"                      \
  "  --request-id ID          用 ID 代替新生成的请求号：重复发送只生效一次\n"            \
  "  --person NAME            经办人，随每次写入记录（环境变量 DUBAN_PERSON）\n"            \
  "  --help                   本说明\n"

/* DBN_CLI_EVIDENCE_HELP (cli_evidence.h) in Chinese. */
#define EVIDENCE_HELP_ZH                                                                                                    \
  "  --evidence FILE          附上一个文件（佐证材料）；每次填报最多 5 个，每个不超过 1 MiB，\n" \
  "                           合计不超过 3 MiB：PDF、OFD、Word、Excel、JPG、PNG、TXT、CSV、ZIP\n"

static const char tasks_zh[] =
    "用法：duban tasks [--state STATE] [--unit CODE] [--json]\n"
    "\n"
    "列出你能看到的任务：部门看到本部门的任务，以及它牵头或配合的措施的任务，\n"
    "每项带颜色，并为它牵头的每项措施汇总一行；协调办和审计看到全部任务。\n"
    "STATE 为 assigned、claimed、in_progress、blocked、submitted 或 done。\n"
    "表格列出编号、状态、进度百分比、第一个截止日期、逾期标记、责任单位和任务内容，\n"
    "按终端宽度截断。\n"
    "--json 输出 {\"tasks\": [...], \"head_seq\": N}。\n"
    "\n" CONNECTION_HELP_ZH;

static const char task_zh[] = "用法：duban task TASK [--json]\n"
                              "\n"
                              "显示一项任务的全部内容：它在计划中的位置、状态、进度百分比、节点、\n"
                              "目标、对照目标填报的指标、最近的说明、催办和未办结的督办事项。\n"
                              "--json 把任务输出为一个对象。\n"
                              "\n" CONNECTION_HELP_ZH;

static const char claim_zh[] = "用法：duban claim TASK [--json]\n"
                               "\n"
                               "签收分派给本部门的任务：状态从 assigned 变为 claimed。中心服务不在线时\n"
                               "经代理签收，签收先排队，之后送达，且只生效一次。\n"
                               "\n" CONNECTION_HELP_ZH;

static const char progress_zh[] =
    "用法：duban progress TASK --percent N [--figure 'WHAT=VALUE[UNIT]']... [--note TEXT]\n"
    "                      [--evidence FILE]... [--json]\n"
    "\n"
    "填报任务进度：N 为 0..100。每个 --figure 是对照任务某项目标已完成的量，\n"
    "例如 --figure '公共充电桩=1200个'（最多 64 个）。首次填报使已签收的任务\n"
    "进入 in_progress。\n"
    "\n" EVIDENCE_HELP_ZH "\n" CONNECTION_HELP_ZH;

static const char submit_zh[] = "用法：duban submit TASK [--note TEXT] [--evidence FILE]... [--json]\n"
                                "\n"
                                "报送任务已完成；随后由协调办验收通过或退回。\n"
                                "\n" EVIDENCE_HELP_ZH "\n" CONNECTION_HELP_ZH;

static const char milestone_zh[] =
    "用法：duban milestone met TASK MILESTONE [--figure 'WHAT=VALUE[UNIT]']... [--note TEXT]\n"
    "                           [--evidence FILE]...\n"
    "      duban milestone confirm TASK MILESTONE [--note TEXT]\n"
    "      duban milestone return TASK MILESTONE --reason TEXT\n"
    "\n"
    "节点逐个完成。`met`（部门用）报告节点已完成，并附上对照任务目标已达到的指标；\n"
    "`confirm`（协调办用）确认它，此后该节点的截止日不再使任务逾期；`return`\n"
    "附理由退回该报告。MILESTONE 是它在 `duban task TASK` 中的序号（1、2、...）\n"
    "或它的截止日（2023-12-31）。\n"
    "\n" EVIDENCE_HELP_ZH "\n" CONNECTION_HELP_ZH;

static const char escalate_zh[] =
    "用法：duban escalate TASK --category CATEGORY --reason TEXT [--json]\n"
    "\n"
    "提出本部门无法独自解决的阻碍（资金、用地、审批、其他部门……）。协调办的\n"
    "watch 立即显示它；督办事项编号就是这里输出的 seq（ack 和 resolve 用它）。\n"
    "\n" CONNECTION_HELP_ZH;

static const char escalations_zh[] = "用法：duban escalations [--all] [--json]\n"
                                     "\n"
                                     "列出未办结的督办事项（加 --all 则包括已确认和已解决的）：\n"
                                     "编号、状态、级别、任务、类别、提出的时间和提出人、理由。\n"
                                     "--json 输出 {\"escalations\": [...], \"head_seq\": N}。\n"
                                     "\n" CONNECTION_HELP_ZH;

static const char ack_zh[] = "用法：duban ack ESCALATION_ID [--note TEXT] [--json]\n"
                             "\n"
                             "确认收到一项未办结的督办事项：协调办已看到并负责处理。\n"
                             "在时限内未确认的督办事项升高一级。\n"
                             "\n" CONNECTION_HELP_ZH;

static const char resolve_zh[] = "用法：duban resolve ESCALATION_ID [--note TEXT] [--json]\n"
                                 "\n"
                                 "解决一项督办事项：阻碍已排除。说明写明如何解决。\n"
                                 "\n" CONNECTION_HELP_ZH;

static const char remind_zh[] = "用法：duban remind TASK [--note TEXT] [--json]\n"
                                "\n"
                                "催办任务的责任部门；催办次数记在任务上，并显示给该部门。\n"
                                "\n" CONNECTION_HELP_ZH;

static const char accept_zh[] = "用法：duban accept TASK [--note TEXT] [--json]\n"
                                "\n"
                                "验收通过报送的工作：任务完成。\n"
                                "\n" CONNECTION_HELP_ZH;

static const char reject_zh[] = "用法：duban reject TASK --reason TEXT [--json]\n"
                                "\n"
                                "退回报送的工作：任务回到 in_progress，并附上理由供部门处理。\n"
                                "\n" CONNECTION_HELP_ZH;

static const char reassign_zh[] = "用法：duban reassign TASK --unit CODE [--reason TEXT] [--json]\n"
                                  "\n"
                                  "把任务改派给另一单位（按单位代码，即计划单位表中的代码）。\n"
                                  "\n" CONNECTION_HELP_ZH;

static const char inbox_zh[] =
    "用法：duban inbox [--all] [--keep-unread] [--json]\n"
    "\n"
    "本部门收到的消息：催办及其内容、退回及其理由、验收通过、改派、协调办对\n"
    "本部门督办事项的说明、截止预警和督办升级。未读的在前，新的在前；--all\n"
    "也列出已读的。列出的消息随即标为已读，除非加 --keep-unread。供部门使用\n"
    "（单位的密钥或代理）。\n"
    "--json 输出 {\"inbox\": [...], \"head_seq\": N, \"marked_read_up_to\": SEQ}。\n"
    "\n" CONNECTION_HELP_ZH;

static const char outbox_zh[] =
    "用法：duban outbox [--keep-unseen] [--json]\n"
    "\n"
    "本部门代理排队的命令：仍在等待送达的（待发送），以及排队后被中心服务拒绝的\n"
    "（被拒绝），附中心服务给出的理由。列出后拒绝记录标为已看，其他命令不再提示，\n"
    "除非加 --keep-unseen。只能经本部门代理使用（--agent 或 DUBAN_AGENT）。\n"
    "--json 输出 {\"outbox\": [{request_id, kind, task, refused, code, reason, answered_at, seen}]}。\n"
    "\n" CONNECTION_HELP_ZH;

static const char watch_zh[] = "用法：duban watch [--after SEQ] [--count N] [--timeout-idle MS] [--json]\n"
                               "\n"
                               "先输出未办结的督办事项，再实时输出其后发生的每个事件：seq、时间（UTC）、\n"
                               "操作者、类型、任务、详情；加 --json 则每行一个对象（第一行为\n"
                               "{\"open_escalations\": [...], \"head_seq\": N}，其后的事件与\n"
                               "'duban audit replay --json' 的输出相同）。\n"
                               "\n"
                               "  --after SEQ          从 SEQ 之后开始，而不是从当前最新事件之后\n"
                               "                       （--after 0：整个日志，然后实时）\n"
                               "  --count N            收到 N 个事件后退出\n"
                               "  --timeout-idle MS    MS 毫秒内没有事件即退出\n"
                               "  --keepalive MS       静默 MS 毫秒后重新订阅\n"
                               "                       （默认 3000），中心服务重启后仍能继续\n"
                               "\n"
                               "序号出现空缺时，先从中心服务的日志补齐再继续，因此不会漏掉任何事件。\n"
                               "\n" CONNECTION_HELP_ZH;

static const char keygen_zh[] =
    "用法：duban keygen --dir KEYS [--plan PLAN.json] [IDENTITY...] [--crypto sm] [--json]\n"
    "      duban keygen --self IDENTITY --dir KEYS [--crypto sm] [--json]\n"
    "\n"
    "--self：在部门（或协调办、管理员）自己的主机上，生成它的 CURVE 密钥对\n"
    "KEYS/NAME.key（+ _secret）和签名密钥对（Ed25519；加 --crypto sm 则为 SM2，\n"
    "用于国密配置的日志）KEYS/NAME.sign（+ _secret），并只输出公开部分：把\n"
    "NAME.key 交给中心服务管理员放入 KEYS/clients/，把签名公钥用于\n"
    "`duban admin register-key`。私钥从不离开本机。\n"
    "\n"
    "生成一套部署的 CURVE 密钥：KEYS/broker.key（+ _secret，已有则不生成），\n"
    "并为每个 IDENTITY 生成一对 KEYS/NAME.key + KEYS/NAME.key_secret，以及带有\n"
    "身份的公开副本 KEYS/clients/NAME.key，中心服务据此知道密钥属于谁。NAME 是把\n"
    "身份中的 ':' 换成 '-'。已有的密钥保留不动。中心服务还得到 KEYS/broker.sign\n"
    "（+ _secret），它用来签署日志检查点（加 --crypto sm 则为 SM2）：\n"
    "把 broker.sign 像 broker.key 一样发给每个部门和审计。\n"
    "\n"
    "IDENTITY 为 unit:CODE、coordinator:NAME、auditor:NAME 或 admin:NAME；CODE\n"
    "和 NAME 为 1..64 个 A-Z a-z 0-9 _ - 字符。加 --plan 则为计划的每个单位生成\n"
    "一个 unit:CODE，另加 coordinator:office、auditor:audit 和 admin:admin。\n"
    "\n"
    "目录权限为 0700，私钥文件 0600，公开文件 0644。\n"
    "\n"
    "  --dir KEYS     密钥存放目录（不存在则创建）\n"
    "  --plan FILE    JSON 格式的计划（duban-plan/1）：为它的所有单位生成密钥\n"
    "  --crypto P     签名密钥的配置：ed25519-blake2b（默认）或 sm（SM2），\n"
    "                 与它们将签署的日志一致（duban-broker --crypto）\n"
    "  --json         输出 {\"dir\": ..., \"keys\": [...]}\n"
    "  --help         本说明\n";

static const char user_zh[] =
    "用法：duban user add|list|remove|passwd --users FILE [NAME] [--role R] [--unit CODE]\n"
    "                  [--password-stdin]\n"
    "\n"
    "用户账号（登录部门工作台或督办看板的人员）。\n"
    "  add NAME       新增账号；--role clerk|coordinator|auditor|admin（默认 clerk），\n"
    "                 clerk 必须 --unit 部门代码\n"
    "  list           列出账号\n"
    "  remove NAME    删除账号\n"
    "  passwd NAME    修改密码\n"
    "\n"
    "密码从终端读取（不回显，输入两次），或用 --password-stdin 从标准输入读一行。\n"
    "文件权限为 0600；组或其他用户可写的文件会被拒绝。\n"
    "  --users FILE   账号文件\n"
    "  --help         本说明\n";

static const char plan_zh[] =
    "用法：duban plan import FILE [--units FILE] [--id ID] [--report FILE] [--load]\n"
    "      duban plan load FILE.json [--json]\n"
    "      duban plan diff OLD NEW [--json]\n"
    "\n"
    "  import   读取分解方案文档并输出计划 JSON（docs/plan-format.md）；导入时\n"
    "           拿不准的内容输出到 stderr 或 --report。加 --load 则立即发送给中心服务。\n"
    "  load     把 JSON 格式的计划发送给中心服务（管理员），中心服务为每项举措\n"
    "           生成一个任务\n"
    "  change   计划调整：对已加载的计划新增、取消任务或调整日期，须附理由\n"
    "           （'duban plan change --help'）\n"
    "  diff     修订版新增、删除和改动的任务\n"
    "\n"
    "'duban plan import --help' 和 'duban plan load --help' 有更多说明。\n";

static const char plan_load_zh[] = "用法：duban plan load FILE.json [--json]\n"
                                   "\n"
                                   "把 JSON 格式的计划（duban-plan/1，即 'duban plan import' 的输出）发送给\n"
                                   "中心服务，中心服务检查后为每项举措生成一个任务。需要管理员密钥。\n"
                                   "同一计划编号加载两次会被拒绝。\n"
                                   "\n" CONNECTION_HELP_ZH;

static const char plan_import_zh[] =
    "用法：duban plan import FILE [--units FILE] [--id ID] [--report FILE]\n"
    "                         [--horizon DATE] [--text FILE] [--load]\n"
    "      duban plan import --explain TASK FILE [--units FILE] [--id ID]\n"
    "\n"
    "读取计划文档（.docx、.pdf，或 UTF-8、GB18030、GBK 编码的文本；LF 或 CRLF 换行），\n"
    "在 stdout 上以 JSON（duban-plan/1）输出计划；导入时拿不准的内容输出到\n"
    "stderr，每条一行，带文档的行号。\n"
    "\n"
    "  --units FILE   {\"name\", \"code\", \"aliases\"} 组成的 JSON 数组，设定单位\n"
    "                 代码和别名；{\"name\": \"各区、县级市\", \"members\": [名称或\n"
    "                 代码]} 把这一统称展开为其中各单位（每个单位一项任务）\n"
    "  --id ID        计划编号（默认取自文号，例如\n"
    "                 鄂府发〔2023〕58号 得到 ordos-2023-58，或取文件名）\n"
    "  --report FILE  把报告以 JSON 写入 FILE，而不是 stderr\n"
    "  --horizon DATE 未写期限的每项举措的截止日期（YYYY-MM-DD），\n"
    "                 标为继承；不给出则这类举措没有截止\n"
    "                 日期（长期坚持/持续推进 从不设期限）\n"
    "  --text FILE    （.docx、.pdf）把文档写成报告所编行号对应的\n"
    "                 文本\n"
    "  --load         同时把计划加载到中心服务（管理员身份）\n"
    "  --against LOADED.json  输出这一修订版对已加载计划的改动\n"
    "                 （新增、删除、改动的任务；加 --json 输出\n"
    "                 计划调整事件），同 'duban plan diff LOADED.json FILE'\n"
    "  --explain TASK 输出任务 TASK（ordos-2023-58:1.1.1 或 1.1.1）的\n"
    "                 来源：它所在部分和措施的行及它自己的行；\n"
    "                 .docx 还给出每行的表格行和单元格\n"
    "\n"
    ".docx 中读取段落和每个带表头行的表格（序号、任务、具体措施、牵头单位、\n"
    "配合单位、责任单位、完成时限及其变体）：每行一项任务，合并单元格\n"
    "向下继承。.doc/.wps 须先转换：\n"
    "  libreoffice --headless --convert-to docx FILE\n"
    ".pdf 通过 pdftotext -layout（poppler-utils）读取，尽力而为：去掉页码，\n"
    "合并折行；分栏的表格不读取。\n"
    "\n"
    "退出状态：0 已导入，1 文档无法读取，2 用法错误，\n"
    "3 未找到结构（没有部分、措施或条目），4 旧的 .doc/.wps。\n";

static const char plan_import_load_zh[] =
    "用法：duban plan import FILE --load [--units FILE] [--id ID] [--horizon DATE] [--report FILE]\n"
    "                         [--json]\n"
    "\n"
    "一步完成：导入分解方案文档，并把计划发送给中心服务。\n"
    "不加 --load 时 'duban plan import' 改为输出计划 JSON；见\n"
    "'duban plan import --help'。\n"
    "\n" CONNECTION_HELP_ZH;

static const char plan_change_zh[] =
    "用法：duban plan change add MEASURE --unit UNIT --text TEXT --due DATE [--due DATE]... --reason TEXT\n"
    "      duban plan change cancel TASK --reason TEXT\n"
    "      duban plan change redate TASK --due DATE [--milestone N|DATE] --reason TEXT\n"
    "      duban plan change add-milestone TASK --due DATE --text TEXT --reason TEXT\n"
    "      duban plan change remove-milestone TASK --milestone N|DATE --reason TEXT\n"
    "\n"
    "计划调整（协调办和管理员用），每次都须附理由（--reason），任务的责任部门\n"
    "在收件箱中读到它：\n"
    "  add               在 MEASURE（2.1 或 PLAN:2.1）下新增任务，由 UNIT 负责\n"
    "                    （代码、名称或别名），每个 --due 一个节点；它的编号\n"
    "                    是该措施的下一个举措序号\n"
    "  cancel            任务不再需要办理：不算逾期、不预警、\n"
    "                    不计分\n"
    "  redate            节点改到另一截止日；不加 --milestone 则为\n"
    "                    任务的最后一个节点（它的期限）\n"
    "  add-milestone     新增一个节点及其所管的内容\n"
    "  remove-milestone  删除一个节点（任务至少保留一个）\n"
    "新日期为 YYYY-MM-DD，不早于计划印发日，且尚未过去；已完成或待确认的节点\n"
    "保持原日期。MILESTONE 是它在 `duban task TASK` 中的序号或它的截止日。\n"
    "`duban task TASK` 显示每次调整。\n"
    "\n" CONNECTION_HELP_ZH;

static const char plan_diff_zh[] =
    "用法：duban plan diff OLD NEW [--json] [--units FILE] [--horizon DATE]\n"
    "\n"
    "比较计划的两个版本，输出新增、删除和改动的任务（内容、责任单位、日期、\n"
    "目标）。OLD 和 NEW 各是一个文档（.txt、.docx、.pdf：按 'duban plan import'\n"
    "的方式导入）或一个计划 JSON 文件（.json，导入或加载时的格式）。任务先按\n"
    "内容匹配，再按序号匹配；序号变动的任务保留原编号。\n"
    "\n"
    "  --json          以 duban-plan-diff/1 输出改动（add_task、cancel_task、\n"
    "                  amend_task、redate_task、renumber_task，每项带旧计划的\n"
    "                  任务编号和理由）\n"
    "  --units FILE    文档用的单位文件（同 plan import）\n"
    "  --horizon DATE  同 plan import\n"
    "\n"
    "退出状态：0 没有差异，1 发现差异，2 用法错误或有版本\n"
    "无法读取。\n";

static const char clock_zh[] = "用法：duban clock advance SECONDS [--json]\n"
                               "      duban clock advance --days N [--json]\n"
                               "\n"
                               "把以虚拟时钟启动的中心服务时钟向前拨（仅管理员；使用真实时钟的\n"
                               "中心服务会拒绝）。随后截止监控按新时间运行。\n"
                               "\n" CONNECTION_HELP_ZH;

static const char ping_zh[] = "用法：duban ping [--json]\n"
                              "\n"
                              "询问中心服务（或代为应答的代理）：你是谁、它的时钟是什么时间、\n"
                              "最后提交的序号是多少。\n"
                              "\n" CONNECTION_HELP_ZH;

static const char admin_zh[] = "用法：duban admin backup --data DIR --to DEST [--json]\n"
                               "      duban admin register-key IDENTITY PUBLIC_KEY [NOTE]\n"
                               "      duban admin revoke-key IDENTITY KEY_ID REASON\n"
                               "\n"
                               "管理中心服务的文件和签名权限：\n"
                               "  backup         日志的热备份，经压缩并验证\n"
                               "  register-key   某签名密钥可以签署 IDENTITY 的写入（一个事件）\n"
                               "  revoke-key     它不再可以签署（一个事件）\n";

static const char admin_backup_zh[] =
    "用法：duban admin backup --data DIR --to DEST [--json]\n"
    "\n"
    "热备份 DIR 中的事件日志（中心服务可以继续运行和写入）：某次提交时的一致副本，\n"
    "经压缩后写到 DEST/data.mdb（DEST 会被创建；已有的副本从不覆盖）。随后验证\n"
    "副本的哈希链和视图，并输出它的最新序号和哈希。请以中心服务的用户（duban）运行。\n"
    "\n"
    "恢复：停止中心服务，用 DEST/data.mdb 替换 DIR/data.mdb（并删除 DIR/lock.mdb），\n"
    "再启动。见 docs/deploy.md。\n"
    "\n"
    "退出状态：0 副本验证通过，1 备份失败或验证不通过，2 用法错误。\n";

static const char register_key_zh[] =
    "用法：duban admin register-key IDENTITY PUBLIC_KEY [NOTE] [--json]\n"
    "\n"
    "在日志中登记 IDENTITY 的签名公钥（Ed25519 为 64 位十六进制，sm 配置的日志中\n"
    "SM2 为 128 位，即持有人主机上 `duban keygen --self` 的输出）：从这个事件起，\n"
    "IDENTITY 的每次写入都必须带有为它登记的密钥的签名。轮换时先登记新密钥，\n"
    "再吊销旧密钥。仅管理员；请求用管理员自己的密钥签名\n"
    "（KEYS/admin-NAME.sign_secret）。日志的第一个管理员密钥由该管理员自己登记。\n"
    "\n" CONNECTION_HELP_ZH;

static const char revoke_key_zh[] =
    "用法：duban admin revoke-key IDENTITY KEY_ID REASON [--json]\n"
    "\n"
    "吊销 IDENTITY 的一个签名密钥（按密钥编号，16 位十六进制）：从这个事件起，\n"
    "它的签名一律拒绝。仅管理员。\n"
    "\n" CONNECTION_HELP_ZH;

static const char scoring_zh[] =
    "用法：duban scoring load FILE [--json]\n"
    "\n"
    "把考核细则加载进日志（协调办和管理员）。FILE 由 `key = value` 行组成（# 开始\n"
    "注释）：version、effective（YYYY-MM-DD）、note，以及各项分值：base_points、\n"
    "done_on_time、done_late、per_day_overdue、max_overdue_per_task、behind_pace、\n"
    "per_own_escalation、per_automatic_escalation、per_reminder、per_missed_report\n"
    "（扣分为负数）和 per_confirmed_milestone。某一天的考核使用当天有效的细则；\n"
    "见 examples/scoring/2023.rules。\n"
    "\n" CONNECTION_HELP_ZH;

static const char evidence_zh[] = "用法：duban evidence list TASK [--json]\n"
                                  "      duban evidence get HASH [-o|--output FILE]\n"
                                  "\n"
                                  "随任务的进度、节点和报送附上的文件（佐证材料），由\n"
                                  "`duban progress|submit|milestone met ... --evidence FILE` 附上。\n"
                                  "`list` 列出每个文件、附上它的事件及其哈希；`get` 按哈希（64 位十六进制）\n"
                                  "取回一个文件到 FILE（默认：当前目录下的原文件名；'-' 表示标准输出）。\n"
                                  "部门只能看到本部门任务的文件；协调办和审计能看到所有任务的。\n"
                                  "\n" CONNECTION_HELP_ZH;

static const char lead_zh[] = "用法：duban lead remind TASK --note TEXT [--json]\n"
                              "\n"
                              "供措施的牵头单位使用：催办负责该措施某项任务的单位；对方在收件箱\n"
                              "（`duban inbox`）中读到说明。`duban tasks` 列出你牵头的措施及其颜色。\n"
                              "\n" CONNECTION_HELP_ZH;

static const char audit_zh[] =
    "用法：duban audit verify --data DIR [--json]\n"
    "      duban audit replay --data DIR [--after SEQ] [--until SEQ] [--json]\n"
    "      duban audit report --data DIR [--until SEQ | --at YYYY-MM-DD] [--verify] [--json]\n"
    "      duban audit export --data DIR --xlsx FILE [--until SEQ | --at YYYY-MM-DD]\n"
    "      duban audit checkpoints --witness DIR --key BROKER.SIGN [--export OUT] [--json]\n"
    "\n"
    "  verify   沿日志的哈希链逐个检查，并由它重建每个视图；\n"
    "           输出 OK，或第一个出现不一致的序号\n"
    "           （退出码 1）\n"
    "  replay   输出每个事件，每个一行便于阅读；加 --json 则每行\n"
    "           一个 JSON 对象\n"
    "  report   考核：各部门的得分、排名和颜色，逾期清单，\n"
    "           督办事项和每月颜色，可以是现在或过去某一时刻\n"
    "  export   同一份考核报告，输出为 Excel 工作簿\n"
    "  checkpoints  列出（或 --export 导出）代理保存的中心服务签名检查点\n"
    "\n"
    "它们都以只读方式读取中心服务的数据目录，中心服务运行时也可以使用。\n";

static const char audit_verify_zh[] =
    "用法：duban audit verify --data DIR [--chain-only] [--witness DIR --key BROKER.SIGN] [--json]\n"
    "\n"
    "检查 DIR（中心服务的数据目录）中的日志：每个键都是下一个序号，每个事件都能\n"
    "解码并带有前一个事件的哈希。然后由日志重建每个视图并比较。输出检查的事件数、\n"
    "最新序号，以及 OK 或第一个出错的序号和错误所在。日志验证通过时退出码为 0，\n"
    "否则为 1。\n"
    "--chain-only 只检查哈希链，不重建视图（更快）。\n"
    "--json 输出 {\"ok\", \"events\", \"head_seq\", \"first_bad_seq\", \"problem\", \"note\",\n"
    "\"crypto\"}；note 说明哪些无法检查（旧版 duban 写的视图，在中心服务重建之前）。\n"
    "crypto 是日志的密码配置，读自它的第一个事件：ed25519-blake2b（BLAKE2b 哈希链，\n"
    "Ed25519 签名）或 sm（SM3 哈希链，SM2 签名）；每个哈希和签名都按它检查。\n"
    "\n"
    "--witness DIR 还把日志与中心服务签署、代理保存在那里的检查点比较（代理数据目录\n"
    "下的 witness/，或 `duban audit checkpoints --export` 写出的目录）：对每个\n"
    "检查点，日志必须有它的 seq，且该事件的哈希必须等于签署的最新哈希。被改写并\n"
    "重新链接、被截短或被回滚的日志单独验证能通过，但对照见证则不能；verify 指出\n"
    "两者分歧处第一个检查点的 seq。\n"
    "--key 是中心服务公布的签名公钥（KEYS/broker.sign）；签名不成立的检查点被剔除\n"
    "并计数。\n"
    "--json 增加 \"witness\": {\"checkpoints\", \"refused\", \"agreed_seq\",\n"
    "\"first_bad_seq\", \"beyond_head\", \"problem\", \"cosignatures\", \"cosigners\",\n"
    "\"cosign_first_bad_seq\", \"cosign_problem\"}。\n"
    "其中每个部门的联署（有自己签名密钥的代理联署它保存的每个检查点）都必须\n"
    "与日志为该部门登记的密钥相符：verify 说明谁联署到哪个 seq，联署被改动或\n"
    "所用密钥从未在日志中登记时验证失败。\n";

static const char audit_checkpoints_zh[] =
    "用法：duban audit checkpoints --witness DIR --key BROKER.SIGN [--export OUT] [--json]\n"
    "\n"
    "列出 DIR（代理的 DATA/witness）中保存的中心服务签名检查点：seq、时间（北京时间）、\n"
    "最新哈希和密钥编号，每个都用 --key（KEYS/broker.sign）检查。--export OUT\n"
    "把签名成立的检查点连同本部门的联署复制到 OUT，供审计使用：几个部门的导出\n"
    "可以放进同一目录，由 `duban audit verify\n"
    "--witness OUT` 读取。\n";

static const char audit_replay_zh[] =
    "用法：duban audit replay --data DIR [--after SEQ] [--until SEQ] [--task TASK] [--json]\n"
    "\n"
    "输出 DIR 中日志里 after < seq <= until 的事件（默认：全部）：seq、时间（UTC）、\n"
    "操作者、类型、任务、详情。加 --json 则每行一个对象：seq、time（ISO-8601 UTC）、\n"
    "actor、request_id、kind、prev_hash 和事件正文的各字段。--task TASK（完整编号，\n"
    "或只有一个计划含有它时的 2.1.1）只输出该任务的历史：它的事件，包括计划调整，\n"
    "以及就它提出的督办事项的事件。\n";

static const char audit_report_zh[] =
    "用法：duban audit report --data DIR [--until SEQ | --at YYYY-MM-DD] [--verify] [--json]\n"
    "      duban audit export --data DIR --xlsx FILE [--until SEQ | --at YYYY-MM-DD]\n"
    "\n"
    "每个部门的考核：得分及其构成、排名、按颜色（红黄蓝绿）分的任务、逾期任务\n"
    "及逾期天数、本部门提出的和自动生成的督办事项，以及每月月末的颜色。按当时\n"
    "有效的考核细则计分（duban scoring load），并标明日志的最新哈希以便核对。\n"
    "默认按日志当前状态（中心服务的时钟）；--until SEQ 为事件 SEQ 刚发生之后；\n"
    "--at DATE 为该日结束时（Asia/Shanghai 时间），通过把日志重放到临时副本得到。\n"
    "--verify 同时验证日志。\n"
    "export --xlsx FILE 写出工作簿（工作表 任务、指标、考核排名、逾期清单）。\n";

/* Every command name a subcommand gives dbn_cli_init or dbn_cli_run_word,
 * with its Chinese help. Words that share their command's text (`milestone
 * met`, `plan change add`) are listed with it. */
static const struct {
  const char *command;
  const char *zh;
} help_zh[] = {
    {"tasks", tasks_zh},
    {"task", task_zh},
    {"claim", claim_zh},
    {"progress", progress_zh},
    {"submit", submit_zh},
    {"milestone", milestone_zh},
    {"milestone met", milestone_zh},
    {"milestone confirm", milestone_zh},
    {"milestone return", milestone_zh},
    {"escalate", escalate_zh},
    {"inbox", inbox_zh},
    {"outbox", outbox_zh},
    {"watch", watch_zh},
    {"escalations", escalations_zh},
    {"ack", ack_zh},
    {"resolve", resolve_zh},
    {"remind", remind_zh},
    {"accept", accept_zh},
    {"reject", reject_zh},
    {"reassign", reassign_zh},
    {"keygen", keygen_zh},
    {"user", user_zh},
    {"plan", plan_zh},
    {"plan load", plan_load_zh},
    {"plan import", plan_import_load_zh},
    /* `plan import` without --load prints the plan; cmd_plan_import.c
     * parses its own options and asks by this name. */
    {"plan import (print)", plan_import_zh},
    {"plan change", plan_change_zh},
    {"plan change add", plan_change_zh},
    {"plan change cancel", plan_change_zh},
    {"plan change redate", plan_change_zh},
    {"plan change add-milestone", plan_change_zh},
    {"plan change remove-milestone", plan_change_zh},
    {"plan diff", plan_diff_zh},
    {"clock", clock_zh},
    {"clock advance", clock_zh},
    {"admin", admin_zh},
    {"admin backup", admin_backup_zh},
    {"admin register-key", register_key_zh},
    {"admin revoke-key", revoke_key_zh},
    {"scoring", scoring_zh},
    {"scoring load", scoring_zh},
    {"ping", ping_zh},
    {"audit", audit_zh},
    {"audit verify", audit_verify_zh},
    {"audit checkpoints", audit_checkpoints_zh},
    {"audit replay", audit_replay_zh},
    {"audit report", audit_report_zh},
    {"audit export", audit_report_zh},
    {"evidence", evidence_zh},
    {"evidence list", evidence_zh},
    {"evidence get", evidence_zh},
    {"lead", lead_zh},
    {"lead remind", lead_zh},
};

const char *
dbn_cli_help_zh(const char *command)
{
  for (size_t i = 0; command && i < sizeof help_zh / sizeof help_zh[0]; i++)
    if (strcmp(help_zh[i].command, command) == 0)
      return help_zh[i].zh;
  return NULL;
}

const char *
dbn_cli_help_text(const char *command, const char *english)
{
  const char *zh = dbn_lang() == DBN_LANG_ZH ? dbn_cli_help_zh(command) : NULL;
  return zh ? zh : english;
}

const char *
dbn_cli_connection_help(void)
{
  return dbn_tr(CONNECTION_HELP_ZH, DBN_CLI_CONNECTION_HELP);
}
