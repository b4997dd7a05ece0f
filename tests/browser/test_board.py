#!/usr/bin/python3
"""The coordinators' board in a real headless Chromium, against a real
broker and console started by test_board.sh (which passes their addresses
in the environment): log in; see the grid; a department's report reaches the
open board within 2 s without a reload; a killed SSE connection catches up
on every missed event; an escalation acknowledged on the board reaches the
department; a task's page lists its evidence files with download links;
the charts follow a report live. Departments and speakers show by name
(市林业和草原局, 协调员 李协调) wherever the board shows one (grid, escalations,
events, charts' axes, ranking, task page, the workbook), never by code or
identity as text. Saves a screenshot."""
import http.cookiejar
import io
import json
import os
import re
import urllib.request
import subprocess
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

URL = os.environ["CONSOLE_URL"]
T = os.environ["T"]


def duban(*args):
    """The CLI as a unit or coordinator (DUBAN_AS_* set by the wrapper)."""
    return subprocess.run(
        [os.environ["BIN"] + "/duban", *args[1:], "--broker", os.environ["ENDPOINT"],
         "--server-key", T + "/keys/broker.key", "--key", T + "/keys/" + args[0].replace(":", "-") + ".key"],
        check=True, capture_output=True, text=True).stdout


CODES = ["LCJ", "ZRJ", "JTJ", "CZJ"]  # the demo plan's units: 市林业和草原局, 市自然资源局, 市交通运输局, 市财政局


def no_codes_shown(driver):
    """No unit code nor identity shows as text anywhere on the page."""
    text = driver.execute_script("return document.body.innerText;")
    shown = [c for c in CODES if re.search(r"(?<![A-Za-z0-9])%s(?![A-Za-z0-9])" % c, text)]
    assert not shown, "codes shown as text: %r" % shown
    for prefix in ("unit:", "coordinator:", "auditor:", "admin:"):
        assert prefix not in text, "an identity shown as text: " + prefix


def fetch_bytes(driver, path):
    """GET path with the browser's session cookie."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    cookie = "; ".join("%s=%s" % (c["name"], c["value"]) for c in driver.get_cookies())
    request = urllib.request.Request(URL + path, headers={"Cookie": cookie})
    with opener.open(request) as answer:
        return answer.read()


def wait_for(driver, what, timeout=10):
    return WebDriverWait(driver, timeout, poll_frequency=0.05).until(what)


def main():
    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,1800", "--lang=zh-CN"):
        opts.add_argument(a)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    try:
        run(driver)
    finally:
        driver.quit()


def run(driver):
    driver.get(URL + "/")
    wait_for(driver, lambda d: "登录" in d.title)
    assert "督办系统 登录" in driver.page_source
    driver.find_element(By.ID, "login-name").send_keys("李协调")
    driver.find_element(By.ID, "login-password").send_keys("wrong-password")
    driver.find_element(By.ID, "login-submit").click()
    wait_for(driver, lambda d: "用户名或密码错误" in d.find_element(By.ID, "login-error").text)
    driver.find_element(By.ID, "login-password").clear()
    driver.find_element(By.ID, "login-password").send_keys("correct-horse-1")
    driver.find_element(By.ID, "login-submit").click()
    wait_for(driver, lambda d: d.title == "督办看板")
    wait_for(driver, lambda d: "实时" in d.find_element(By.ID, "live").text)
    grid = driver.find_element(By.ID, "grid")
    wait_for(driver, lambda d: "部门" in grid.text and "措施" in grid.text)
    print("ok: logged in and the 红黄蓝绿 grid shows departments × measures")

    # A report from the CLI reaches the open board, without a reload.
    marker = driver.execute_script("window.__duban_marker = 1; return window.__duban_marker;")
    before = len(driver.execute_script("return window.__duban_seen"))
    t0 = time.time()
    out = json.loads(duban("unit:LCJ", "progress", "demo-2023-1:1.1.1", "--percent", "40", "--note", "<b>已开工</b>",
                           "--json"))
    seq = out["seq"]
    wait_for(driver, lambda d: seq in d.execute_script("return window.__duban_seen"), timeout=2)
    delay = time.time() - t0
    assert driver.execute_script("return window.__duban_marker") == marker, "the page was reloaded"
    assert len(driver.execute_script("return window.__duban_seen")) == before + 1
    print("ok: a department's report showed on the board in %.0f ms without a reload" % (delay * 1000))
    # Its live line names the kind in Chinese (domain/event_kind.h), never the code.
    line = "#%d 填报进度 " % seq
    wait_for(driver, lambda d: line in d.find_element(By.ID, "events").text)
    events_text = driver.find_element(By.ID, "events").text
    assert not re.search(r"\b(progress|claimed|acknowledged)\b", events_text), events_text
    print("ok: the live event line reads 填报进度 where it read 'progress'")

    # Kill the stream, write while it is down, reconnect: every event arrives once.
    driver.execute_script("window.__duban_sse.close()")
    missed = []
    for p in (50, 60, 70):
        missed.append(json.loads(duban("unit:LCJ", "progress", "demo-2023-1:1.1.1", "--percent", str(p), "--json"))["seq"])
    time.sleep(0.5)
    assert not any(s in driver.execute_script("return window.__duban_seen") for s in missed)
    driver.execute_script("window.__duban_reconnect()")
    wait_for(driver, lambda d: all(s in d.execute_script("return window.__duban_seen") for s in missed), timeout=5)
    seen = driver.execute_script("return window.__duban_seen")
    assert seen == sorted(set(seen)), "a gap or duplicate: %r" % seen
    print("ok: after the SSE connection was killed every missed event arrived, none twice")

    # An escalation, acknowledged from the board, reaches the department.
    esc = json.loads(duban("unit:LCJ", "escalate", "demo-2023-1:1.1.1", "--category", "funding", "--reason",
                           "资金未到位<script>x</script>", "--json"))["seq"]
    row = '#escalations tr[data-escalation="%d"]' % esc
    wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, row), timeout=3)
    assert "资金未到位<script>x</script>" in driver.find_element(By.CSS_SELECTOR, row).text
    owner = driver.find_element(By.CSS_SELECTOR, row + " td.unit")
    assert owner.text == "市林业和草原局" and owner.get_attribute("data-unit") == "LCJ", owner.text
    assert driver.find_element(By.CSS_SELECTOR, row + " td.raised-by").text == "市林业和草原局"
    wait_for(driver, lambda d: "市林业和草原局" in d.find_element(By.ID, "events").text)
    print("ok: the escalation and the event lines name the department 市林业和草原局, not LCJ")
    driver.find_element(By.ID, "esc-note").send_keys("已转财政局")
    driver.find_element(By.CSS_SELECTOR, row + " button.esc-ack").click()
    wait_for(driver, lambda d: "已完成 1 项" in d.find_element(By.ID, "message").text, timeout=5)
    inbox = json.loads(duban("unit:LCJ", "inbox", "--json"))
    text = json.dumps(inbox, ensure_ascii=False)
    assert "已转财政局" in text, text
    print("ok: an escalation acknowledged on the board reached the department's inbox")
    wait_for(driver, lambda d: "协调员 李协调" in d.find_element(By.ID, "events").text, timeout=5)
    no_codes_shown(driver)
    print("ok: the board's acknowledgement shows as 协调员 李协调; no unit code nor identity shows as text")

    driver.find_element(By.ID, "ranking-refresh").click()
    wait_for(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#ranking tbody tr")) == 4)
    assert "市林业和草原局" in driver.find_element(By.ID, "ranking").text
    print("ok: the ranking with scores shows on the board")

    # The charts: drawn by the pinned ECharts into a canvas, each with data.
    for chart in ("chart-colours", "chart-progress", "chart-completion", "chart-monthly"):
        wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#%s canvas" % chart), timeout=10)
        series = wait_for(driver, lambda d: d.execute_script(
            "var c = echarts.getInstanceByDom(document.getElementById(arguments[0]));"
            "var s = c && c.getOption().series; return s && s.length && s[0].data.length ? s : null;", chart))
        assert all(len(s["data"]) > 0 for s in series), (chart, series)
        print("ok: chart %s drawn with %d series" % (chart, len(series)))
    def completion(d):
        return d.execute_script(
            "return echarts.getInstanceByDom(document.getElementById('chart-completion')).getOption().series;")
    # The refresh above asked for the charts again: LCJ's last report (70%) shows.
    wait_for(driver, lambda d: any(s["name"] == "市林业和草原局" and s["data"][-1] == 70 for s in completion(d)))
    series = completion(driver)
    names = [s["name"] for s in series]
    assert "全部计划" in names, names
    lcj = next(s for s in series if s["name"] == "市林业和草原局")
    cells = driver.execute_script(
        "return echarts.getInstanceByDom(document.getElementById('chart-monthly')).getOption().series[0].data;")
    assert len(cells) == 4 * len(lcj["data"]), cells
    assert all(c["value"][2] in ("红", "黄", "蓝", "绿") for c in cells), cells
    print("ok: completion over time (plan and per department) and the monthly colours per department")
    axes = driver.execute_script(
        "return ['chart-colours', 'chart-progress'].map(function (id) {"
        " return echarts.getInstanceByDom(document.getElementById(id)).getOption().xAxis[0].data; })"
        ".concat([echarts.getInstanceByDom(document.getElementById('chart-monthly')).getOption().yAxis[0].data]);")
    for axis in axes:
        assert "市林业和草原局" in axis and not set(CODES) & set(axis), axis
    print("ok: the charts' department axes read the plan's names:", "、".join(axes[0]))

    # A report changes what the charts show: they reload from the stream,
    # without a reload of the page and without 刷新排名.
    loads = driver.execute_script("return window.__duban_chart_loads")
    duban("unit:LCJ", "progress", "demo-2023-1:1.1.1", "--percent", "90")
    wait_for(driver, lambda d: any(s["name"] == "市林业和草原局" and s["data"][-1] == 90 for s in completion(d)),
             timeout=8)
    assert driver.execute_script("return window.__duban_marker") == marker, "the page was reloaded"
    # A burst of reports: the charts are asked again at most once per 2 s, and the last one shows.
    loads = driver.execute_script("return window.__duban_chart_loads")
    t0 = time.time()
    for p in (91, 92, 93, 94, 95):
        duban("unit:LCJ", "progress", "demo-2023-1:1.1.1", "--percent", str(p))
    wait_for(driver, lambda d: any(s["name"] == "市林业和草原局" and s["data"][-1] == 95 for s in completion(d)),
             timeout=8)
    reloads = driver.execute_script("return window.__duban_chart_loads") - loads
    assert reloads <= 1 + int((time.time() - t0) / 2) + 1, "%d reloads in %.1f s" % (reloads, time.time() - t0)
    print("ok: the charts follow a report live (%d reloads for a burst of 5 reports)" % reloads)
    time.sleep(0.5)
    shot = os.path.join(os.environ.get("BUILD_DIR", T), "board.png")
    driver.save_screenshot(shot)
    if os.environ.get("DUBAN_SCREENSHOTS"):
        driver.save_screenshot(os.path.join(os.environ["DUBAN_SCREENSHOTS"], "board.png"))
    print("ok: screenshot saved to " + shot)

    # A task's page lists its evidence (佐证材料) with a link the console serves from the broker.
    scan = os.path.join(T, "整改报告.pdf")
    with open(scan, "wb") as out:
        out.write("%PDF-1.4\n整改报告\n".encode())
    duban("unit:ZRJ", "claim", "demo-2023-1:1.1.2")
    duban("unit:ZRJ", "progress", "demo-2023-1:1.1.2", "--percent", "20", "--evidence", scan)
    driver.get(URL + "/assets/board/task.html?id=demo-2023-1:1.1.2")
    wait_for(driver, lambda d: "整改报告.pdf" in d.find_element(By.ID, "evidence").text)
    assert "填报进度" in driver.find_element(By.ID, "evidence").text
    href = driver.execute_script("return document.querySelector('#evidence a').href;")
    fetched = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch(arguments[0]).then(r => r.text()).then(done, () => done(''));", href)
    assert "整改报告" in fetched, fetched
    print("ok: the task's page lists its evidence with a download link the console serves")
    assert driver.find_element(By.ID, "task-unit").text == "市自然资源局"
    assert driver.find_element(By.ID, "task-lead").text == "市林业和草原局"
    assert driver.find_element(By.ID, "task-cooperating").text == "市自然资源局"
    wait_for(driver, lambda d: "市自然资源局" in d.find_element(By.ID, "history").text)
    kinds = [td.text for td in driver.find_elements(By.CSS_SELECTOR, "#history tbody td:nth-child(3)")]
    assert "认领任务" in kinds and "填报进度" in kinds, kinds
    assert not set(kinds) & {"claimed", "progress", "plan_loaded"}, kinds
    print("ok: the task's 类型 column reads", "、".join(sorted(set(kinds))))
    no_codes_shown(driver)
    print("ok: the task's page names its unit, its lead and cooperating units and who acted, no code as text")

    import openpyxl
    book = openpyxl.load_workbook(io.BytesIO(fetch_bytes(driver, "/api/export.xlsx")))
    for title in ("任务", "指标"):
        owners = [row[1] for row in book[title].iter_rows(min_row=4, values_only=True) if row[0]]
        assert owners and "市林业和草原局" in owners and not set(CODES) & set(owners), (title, owners)
    print("ok: the workbook's 任务 and 指标 sheets name each task's unit:", "、".join(sorted(set(owners))))

    driver.get(URL + "/assets/board/bulletin.html")
    wait_for(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#bulletin-ranking tbody tr")) == 4)
    assert "日志哈希" in driver.find_element(By.ID, "bulletin-meta").text
    assert "市林业和草原局" in driver.find_element(By.ID, "bulletin-ranking").text
    no_codes_shown(driver)
    print("ok: the printable 通报 shows the ranking and the log's head hash")


if __name__ == "__main__":
    main()
