"""The department desk in headless Chromium: log in, claim a task, report a
figure in a wrong unit and see the broker's refusal beside the field, then
in a right one and see it accepted, see a note holding <script> shown as
text, upload an evidence file with a report and see it listed (and one
over 1 MiB refused beside the field), see a coordinator's reminder reach the inbox and a rejection send
the task back, both live (the page does not poll the tasks or the inbox:
only the desk's SSE stream can bring them, and the page is not reloaded),
and save a screenshot. Prints how long each live change took to show.

With "lead", on the real plan as 市能源局 (NYJ): the tasks are marked
本单位 / 牵头 / 配合 and the measure NYJ leads has its roll-up colour; on
KJJ's 2.1.2 no write button is offered but 催办 is, and its note reaches
KJJ's inbox; on a cooperating task neither; 报告节点完成 on 2.1.1's first
milestone with a figure and a file shows 待确认, then 已确认 once the
coordinator confirms it, live; a task the coordinator cancels shows 已撤销
with the change's reason and no write button. The screenshot is taken there.

Both desks show departments and speakers by name, as the plan writes them
(市交通运输局, 市科学技术局, 协调员 王协调 when the coordinator's 经办人 is known,
else 协调员 office), never their codes or identities
(JTJ, KJJ, coordinator:office) as text; the codes stay in data-unit.

usage: test_desk.py DESK_URL COORDINATOR_SCRIPT SCREENSHOT_DIR
       test_desk.py DESK_URL AS_SCRIPT SCREENSHOT_DIR lead
(COORDINATOR_SCRIPT WORD OPTION TEXT runs `duban WORD 2.1.1 OPTION TEXT`
as the coordinator; AS_SCRIPT IDENTITY ARGS... runs `duban ARGS...` with
that identity's key)"""
import os
import subprocess
import sys
import tempfile
import time
import json
import re

from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException, StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

URL, COORDINATOR, SHOTS = sys.argv[1], sys.argv[2], sys.argv[3]
WAIT = 20


def text_of(driver, element_id):
    return driver.find_element(By.ID, element_id).text


def wait_text(driver, element_id, wanted):
    WebDriverWait(driver, WAIT).until(lambda d: wanted in text_of(d, element_id),
                                      f"#{element_id} never showed {wanted!r}")


def login(driver, name, password):
    driver.get(URL + "/")
    driver.find_element(By.ID, "login-name").send_keys(name)
    driver.find_element(By.ID, "login-password").send_keys(password)
    driver.find_element(By.ID, "login-submit").click()
    wait_text(driver, "desk-person", name)
    WebDriverWait(driver, WAIT).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#tasks-body tr"))


# The task list is redrawn whenever the desk's live stream says something
# changed, so its rows are read and clicked in one go, in the page.
ROW = ("for (const r of document.querySelectorAll('#tasks-body tr'))"
       " if (r.cells[0].textContent === arguments[0]) { %s }"
       " return null;")


def row_text(driver, number):
    return driver.execute_script(ROW % "return r.innerText;", number) or ""


def row_mark(driver, number):
    return driver.execute_script(ROW % "return r.querySelector('.seen').textContent;", number)


def click_row(driver, number):
    WebDriverWait(driver, WAIT).until(lambda d: d.execute_script(ROW % "r.click(); return true;", number),
                                      f"no row {number}")
    wait_text(driver, "detail-number", number)


def shown(driver, element_id):
    return driver.find_element(By.ID, element_id).is_displayed()


def no_codes_shown(driver, codes):
    """No unit code nor identity shows as text anywhere on the page."""
    text = driver.execute_script("return document.body.innerText;")
    shown_codes = [c for c in codes if re.search(r"(?<![A-Za-z0-9])%s(?![A-Za-z0-9])" % re.escape(c), text)]
    assert not shown_codes, "codes shown as text: %r" % shown_codes
    for prefix in ("unit:", "coordinator:", "auditor:", "admin:"):
        assert prefix not in text, "an identity shown as text: " + prefix


def run_as(who, *args):
    return subprocess.run([COORDINATOR, who, *args], check=True, capture_output=True, text=True).stdout



def on_milestone(driver, index, selector, act, seconds=5):
    """Act on an element of milestone INDEX; the list is drawn again when the
    desk's live stream brings a change, so a stale element is looked up anew."""
    deadline = time.time() + seconds
    while True:
        try:
            items = driver.find_elements(By.CSS_SELECTOR, "#milestones li")
            return act(items[index].find_element(By.CSS_SELECTOR, selector))
        except (StaleElementReferenceException, IndexError):
            if time.time() > deadline:
                raise
            time.sleep(0.1)


def milestone_states(driver):
    """The state shown for each milestone, read again if the list was redrawn."""
    count = len(driver.find_elements(By.CSS_SELECTOR, "#milestones li"))
    return [on_milestone(driver, i, ".milestone-state", lambda state: state.text) for i in range(count)]

def lead_desk(driver):
    login(driver, "王五", "desk-password-3")
    marks = {n: row_mark(driver, n) for n in ("2.1.1", "2.1.2", "2.2.1")}
    assert marks == {"2.1.1": "本单位", "2.1.2": "牵头", "2.2.1": "配合"}, marks
    assert "市科学技术局" in row_text(driver, "2.1.2") and "KJJ" not in row_text(driver, "2.1.2")
    assert driver.execute_script(ROW % "return r.querySelector('[data-unit]').dataset.unit;", "2.1.2") == "KJJ"
    wait_text(driver, "desk-unit", "市能源局")
    assert driver.find_element(By.ID, "desk-unit").get_attribute("data-unit") == "NYJ"
    print("ok: the owner and the desk's own unit show by name:", row_text(driver, "2.1.2").split("\t")[2])
    wait_text(driver, "lead-measures", "措施 2.1")
    measure = driver.find_element(By.CSS_SELECTOR, "#lead-measures li[data-measure='2.1']").text
    assert "绿" in measure and "2 项" in measure, measure
    assert "措施 2.2" not in text_of(driver, "lead-measures"), "NYJ only cooperates on 2.2"
    print("ok: tasks marked 本单位 / 牵头 / 配合; a measure NYJ leads rolled up:", measure)

    click_row(driver, "2.1.2")
    assert not shown(driver, "claim-button") and not shown(driver, "progress-submit"), "writes offered on KJJ's task"
    assert not shown(driver, "submit-button") and not shown(driver, "escalate-button")
    assert shown(driver, "remind-button"), "no 催办 for the lead"
    assert "市科学技术局" in text_of(driver, "detail-readonly"), text_of(driver, "detail-readonly")
    assert "牵头单位：市能源局" in text_of(driver, "detail-units"), text_of(driver, "detail-units")
    print("ok: the led task names its owner, lead and cooperating units:", text_of(driver, "detail-units"))
    driver.find_element(By.ID, "remind-note").send_keys("请本周内报送储能示范基地进展")
    driver.find_element(By.ID, "remind-button").click()
    wait_text(driver, "desk-status", "已受理")
    inbox = json.loads(run_as("unit:KJJ", "inbox", "--json", "--keep-unread"))["inbox"]
    assert any(i["kind"] == "lead_reminded" and i["text"] == "请本周内报送储能示范基地进展" for i in inbox), inbox
    print("ok: on the led task only 催办 is offered, and its note reaches KJJ's inbox")

    click_row(driver, "2.2.1")
    assert not shown(driver, "remind-button") and not shown(driver, "claim-button"), "a cooperating task offers actions"
    assert "配合" in text_of(driver, "detail-readonly")
    print("ok: a cooperating task is read-only:", text_of(driver, "detail-readonly"))

    click_row(driver, "2.1.1")
    assert shown(driver, "claim-button") and not shown(driver, "remind-button")
    driver.find_element(By.ID, "claim-button").click()
    wait_text(driver, "detail-state", "已签收")
    assert milestone_states(driver) == ["未完成", "未完成"]
    on_milestone(driver, 0, "button.milestone-met", lambda button: button.click())
    wait_text(driver, "milestone-due-label", "2023-12-31")
    driver.find_element(By.ID, "milestone-figure-0").send_keys("5600")
    Select(driver.find_element(By.ID, "milestone-figure-unit-0")).select_by_value("万千瓦")
    driver.find_element(By.ID, "milestone-note").send_keys("已获自治区批复")
    folder = tempfile.mkdtemp()
    paper = os.path.join(folder, "新能源批复文件.pdf")
    with open(paper, "wb") as out:
        out.write("%PDF-1.4\n新能源批复文件\n".encode())
    driver.find_element(By.ID, "milestone-evidence").send_keys(paper)
    driver.find_element(By.ID, "milestone-submit").click()
    wait_text(driver, "desk-status", "已受理")
    wait_text(driver, "milestones", "待确认")
    assert not shown(driver, "milestone-form")
    wait_text(driver, "evidence-list", "新能源批复文件.pdf")
    wait_text(driver, "tasks-body", "5600万千瓦 / 5500万千瓦")
    reported = json.loads(run_as("auditor:audit", "task", "2.1.1", "--json"))["milestones_reported"]
    assert reported == ["2023-12-31"], reported
    print("ok: 报告节点完成 sent MilestoneMet with the figure and the file; the milestone shows 待确认")

    wait_text(driver, "desk-live", "实时")
    driver.execute_script("window.__desk_marker = 'still-here';")
    run_as("coordinator:office", "milestone", "confirm", "2.1.1", "2023-12-31")
    WebDriverWait(driver, WAIT).until(lambda d: "已确认" in milestone_states(d)[0], "the confirmation never showed")
    print("ok: the coordinator's confirmation shows 已确认, live")

    run_as("coordinator:office", "plan", "change", "cancel", "2.6.1", "--reason", "并入2.5.1统一实施")
    WebDriverWait(driver, WAIT).until(lambda d: "已撤销" in row_text(d, "2.6.1"), "2.6.1 never showed 已撤销")
    click_row(driver, "2.6.1")
    wait_text(driver, "plan-changes", "并入2.5.1统一实施")
    assert "协调员 office" in text_of(driver, "plan-changes"), text_of(driver, "plan-changes")
    codes = sorted({t["unit"] for t in json.loads(run_as("auditor:audit", "tasks", "--json"))["tasks"]})
    no_codes_shown(driver, codes + ["NYJ"])
    print("ok: none of the plan's %d unit codes nor an identity shows as text on the lead's desk" % len(codes))
    assert not shown(driver, "claim-button") and not shown(driver, "remind-button")
    assert "撤销" in text_of(driver, "detail-readonly")
    assert driver.execute_script("return window.__desk_marker;") == "still-here", "the page was reloaded"
    print("ok: a cancelled task shows 已撤销 with the plan change and no write button:", text_of(driver, "plan-changes"))

    # The screenshot: the marks, the roll-ups and the led task's panel with 催办.
    driver.set_window_size(1400, 1900)
    click_row(driver, "2.1.1")
    driver.execute_script("window.scrollTo(0, 0);")


def main():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,1000",
                 "--lang=zh-CN"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    if sys.argv[4:] == ["lead"]:
        try:
            lead_desk(driver)
            save_screenshot(driver)
        finally:
            driver.quit()
        return
    try:
        driver.get(URL + "/")
        driver.find_element(By.ID, "login-name").send_keys("张三")
        driver.find_element(By.ID, "login-password").send_keys("desk-password-1")
        driver.find_element(By.ID, "login-submit").click()
        wait_text(driver, "desk-person", "张三")
        assert "部门工作台" in driver.title
        WebDriverWait(driver, WAIT).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#tasks-body tr"))
        rows = driver.find_elements(By.CSS_SELECTOR, "#tasks-body tr")
        row = next(r for r in rows if r.find_element(By.TAG_NAME, "td").text == "2.1.1")
        assert "待签收" in row.text, row.text
        row.click()
        print("ok: logged in; the task list shows 2.1.1 as 待签收")

        driver.find_element(By.ID, "claim-button").click()
        wait_text(driver, "desk-status", "已受理")
        wait_text(driver, "detail-state", "已签收")
        print("ok: claimed (签收)")

        # The select offers only the target's dimension; a stale page could
        # still send another unit, and the broker refuses it beside the field.
        driver.execute_script("const o = document.createElement('option'); o.value = '吨'; o.textContent = '吨';"
                              "document.getElementById('figure-unit-0').append(o);")
        driver.find_element(By.ID, "figure-0").send_keys("3")
        Select(driver.find_element(By.ID, "figure-unit-0")).select_by_value("吨")
        percent = driver.find_element(By.ID, "progress-percent")
        percent.clear()
        percent.send_keys("10")
        driver.find_element(By.ID, "progress-submit").click()
        wait_text(driver, "figure-refusal-0", "公共充电桩")
        assert "吨" in text_of(driver, "figure-refusal-0")
        assert "填报的单位是吨" in text_of(driver, "figure-refusal-0"), "the refusal is not in Chinese"
        print("ok: a wrong unit is refused beside the field:", text_of(driver, "figure-refusal-0"))

        note = "<script>alert('x')</script>已建成300个"
        figure = driver.find_element(By.ID, "figure-0")
        figure.clear()
        figure.send_keys("300")
        Select(driver.find_element(By.ID, "figure-unit-0")).select_by_value("个")
        driver.find_element(By.ID, "progress-note").send_keys(note)
        driver.find_element(By.ID, "progress-submit").click()
        wait_text(driver, "desk-status", "已受理")
        wait_text(driver, "detail-note", "已建成300个")
        assert text_of(driver, "figure-refusal-0") == "", "the refusal stays after an accepted report"
        assert text_of(driver, "detail-note") == note, text_of(driver, "detail-note")
        try:
            driver.switch_to.alert
            raise AssertionError("the note's script ran")
        except NoAlertPresentException:
            pass
        wait_text(driver, "tasks-body", "300个 / 5000个")
        print("ok: a right unit is accepted; the figure shows against its target; <script> shows as text")

        # Evidence (佐证材料): a file chosen in the progress form is uploaded
        # with the report and listed under the task with a download link; one
        # over 1 MiB is refused beside the field with the limit.
        folder = tempfile.mkdtemp()
        big = os.path.join(folder, "太大的扫描件.pdf")
        with open(big, "wb") as out:
            out.write(b"%PDF-1.4\n" + b"0" * (1024 * 1024 + 1))
        driver.find_element(By.ID, "progress-evidence").send_keys(big)
        driver.find_element(By.ID, "progress-submit").click()
        wait_text(driver, "evidence-refusal", "1 MiB")
        print("ok: a file over 1 MiB is refused beside the upload field:", text_of(driver, "evidence-refusal"))
        report = os.path.join(folder, "充电桩验收报告.pdf")
        with open(report, "wb") as out:
            out.write("%PDF-1.4\n充电桩验收报告\n".encode())
        upload = driver.find_element(By.ID, "progress-evidence")
        upload.clear()
        upload.send_keys(report)
        driver.find_element(By.ID, "progress-submit").click()
        wait_text(driver, "desk-status", "已受理")
        wait_text(driver, "evidence-list", "充电桩验收报告.pdf")
        assert text_of(driver, "evidence-refusal") == "", "the refusal stays after an accepted upload"
        # Read in one go: the list is redrawn when the desk's live stream says the task changed.
        href, download = driver.execute_script(
            "const a = document.querySelector('#evidence-list a'); return [a.href, a.download];")
        assert download == "充电桩验收报告.pdf", download
        assert "/api/evidence/file?hash=" in href, href
        assert "填报进度" in text_of(driver, "evidence-list")
        fetched = driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "fetch(arguments[0]).then(r => r.text()).then(done, () => done(''));", href)
        assert "充电桩验收报告" in fetched, fetched
        print("ok: evidence uploaded with the report, listed with a download link that serves it")

        # Live from here on: a marker on the page proves it was not reloaded.
        wait_text(driver, "desk-live", "实时")
        driver.execute_script("window.__desk_marker = 'still-here';")
        started = time.monotonic()
        subprocess.run([COORDINATOR, "remind", "--note", "请本周内报送充电桩建设进度"], check=True,
                       stdout=subprocess.DEVNULL)
        wait_text(driver, "inbox", "催办")
        wait_text(driver, "inbox", "请本周内报送充电桩建设进度")
        wait_text(driver, "inbox-unread", "未读")
        remind_s = time.monotonic() - started
        wait_text(driver, "inbox", "（协调员 王协调）")
        assert text_of(driver, "desk-unit") == "市交通运输局", text_of(driver, "desk-unit")
        no_codes_shown(driver, ["JTJ", "LCJ", "ZRJ", "CZJ"])
        print("ok: the reminder's sender shows as 协调员 王协调 (its 经办人) and the desk as 市交通运输局, no code as text")
        print("ok: a coordinator's reminder reaches the inbox with the unread count, live")

        driver.find_element(By.ID, "submit-note").send_keys("已全部建成")
        driver.find_element(By.ID, "submit-button").click()
        wait_text(driver, "desk-status", "已受理")
        wait_text(driver, "detail-state", "已报结")
        started = time.monotonic()
        subprocess.run([COORDINATOR, "reject", "--reason", "缺少验收材料"], check=True, stdout=subprocess.DEVNULL)
        wait_text(driver, "inbox", "退回")
        wait_text(driver, "inbox", "缺少验收材料")
        WebDriverWait(driver, WAIT).until(lambda d: "已报结" not in text_of(d, "detail-state"),
                                          "the rejected task still shows 已报结")
        reject_s = time.monotonic() - started
        assert driver.execute_script("return window.__desk_marker;") == "still-here", "the page was reloaded"
        assert driver.execute_script("return window.__desk_changes;") >= 2, "no change came over SSE"
        print("ok: a rejection sends the task back (" + text_of(driver, "detail-state") +
              ") and reaches the inbox, live, without a reload")
        print(f"figure: reminder shown after {remind_s:.2f} s, rejection after {reject_s:.2f} s")

        save_screenshot(driver)
    finally:
        driver.quit()


def save_screenshot(driver):
    os.makedirs(SHOTS, exist_ok=True)
    path = os.path.join(SHOTS, "desk.png")
    driver.save_screenshot(path)
    print("ok: screenshot", path)


main()
