#!/usr/bin/env python3
"""Write a breakdown document of N tasks (default 1000) in the seed's layout.

Sections 一、…, ten measures （一）…（十） each with its lead and cooperating
units, 具体落实举措：, then five numbered actions, each with its owner, a
deadline, a target and now and then a fact (a subsidy) or a reporting
cycle, so that every phase of the importer has work. For timing the
importer: `duban-bench --only import` and test_plan_import_speed.sh use it.

Usage: make_big_plan.py OUT.txt [TASKS]
"""
import sys

UNITS = ["市发展和改革委员会", "市财政局", "市工业和信息化局", "市自然资源局", "市生态环境局",
         "市住房和城乡建设局", "市交通运输局", "市水利局", "市农牧局", "市商务局",
         "市文化和旅游局", "市卫生健康委员会", "市教育体育局", "市科学技术局", "市能源局",
         "市林业和草原局", "市市场监督管理局", "市人力资源和社会保障局", "市大数据中心", "市应急管理局"]
DIGITS = "一二三四五六七八九"


def numeral(n):
    if n < 10:
        return DIGITS[n - 1]
    tens, ones = divmod(n, 10)
    return (DIGITS[tens - 1] if tens > 1 else "") + "十" + (DIGITS[ones - 1] if ones else "")


def main(out, tasks):
    per_measure, per_section = 5, 10
    lines = ["示范市人民政府", "示政发〔2024〕1号", "关于印发重点任务分解方案的通知", "2024年3月1日", "",
             "重点任务分解方案", ""]
    task = 0
    section = 0
    while task < tasks:
        section += 1
        lines.append("%s、第%d方面重点任务" % (numeral(section), section))
        for m in range(1, per_section + 1):
            if task >= tasks:
                break
            lead = UNITS[(section * 7 + m) % len(UNITS)]
            coop = UNITS[(section * 3 + m * 5 + 1) % len(UNITS)]
            lines.append("（%s）推进第%d项重点工作，完善工作机制，强化要素保障。（牵头单位：%s，配合单位：%s）"
                         % (numeral(m), section * 100 + m, lead, coop))
            lines.append("具体落实举措：")
            for a in range(1, per_measure + 1):
                if task >= tasks:
                    break
                task += 1
                owner = lead if a % 2 else coop
                month = (task % 12) + 1
                extra = ""
                if task % 7 == 0:
                    extra = "对新认定的示范项目一次性给予50万元奖励。"
                elif task % 5 == 0:
                    extra = "每季度报送工作进展。"
                lines.append("%d.%d年%d月底前，完成第%d项任务，新建%d个示范点，覆盖%d户。%s（%s）"
                             % (a, 2024 + task % 2, month, task, 10 + task % 90, 100 + task, extra, owner))
    with open(out, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 1000)
