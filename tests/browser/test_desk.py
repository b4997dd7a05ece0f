"""The department desk in headless Chromium: log in, claim a task, report a
figure in a wrong unit and see the broker's refusal beside the field, then
in a right one and see it accepted, see a note holding <script> shown as
text, upload an evidence file with a report and see it listed (and one
over 1 MiB refused beside the field), see a coordinator's reminder reach the inbox and a rejection send
the task back, both live (the page does not poll the tasks or the inbox:
only the desk's SSE stream can bring them, and the page is not reloaded),
and save a screenshot. Prints how long each live change took to show.

usage: test_desk.py DESK_URL COORDINATOR_SCRIPT SCREENSHOT_DIR
(COORDINATOR_SCRIPT WORD OPTION TEXT runs `duban WORD 2.1.1 OPTION TEXT`
as the coordinator)"""
import os
import subprocess
import sys
import tempfile
import time

from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
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


def main():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,1000",
                 "--lang=zh-CN"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
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

        os.makedirs(SHOTS, exist_ok=True)
        path = os.path.join(SHOTS, "desk.png")
        driver.save_screenshot(path)
        print("ok: screenshot", path)
    finally:
        driver.quit()


main()
