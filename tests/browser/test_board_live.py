#!/usr/bin/python3
"""The board's pushes in a real headless Chromium (started by
test_board_live.sh): the 通知发送 panel shows a failed delivery with its
Chinese error while the receiver is down and clears when it is back; a grid
cell turns red, without a reload, when the virtual clock passes its due
date (the console's "cells" push). Saves a screenshot."""
import os
import subprocess
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

URL = os.environ["CONSOLE_URL"]
T = os.environ["T"]


def duban(who, *args):
    return subprocess.run(
        [os.environ["BIN"] + "/duban", *args, "--broker", os.environ["ENDPOINT"],
         "--server-key", T + "/keys/broker.key", "--key", T + "/keys/" + who.replace(":", "-") + ".key"],
        check=True, capture_output=True, text=True).stdout


def wait_for(driver, what, timeout=10):
    return WebDriverWait(driver, timeout, poll_frequency=0.05).until(what)


def start_receiver():
    return subprocess.Popen(
        ["/usr/bin/python3", os.environ["SRC"] + "/tests/notify/receiver.py", "--port", os.environ["RPORT"],
         "--cert", T + "/receiver.pem", "--key", T + "/receiver.key", "--log", os.environ["RLOG"],
         "--fail-file", os.environ["FAIL_FILE"], "--dingtalk-secret", "SECtest123"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main():
    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,2200", "--lang=zh-CN"):
        opts.add_argument(a)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    receiver = None
    try:
        receiver = run(driver)
    finally:
        driver.quit()
        if receiver:
            receiver.kill()


def log_in(driver):
    driver.get(URL + "/")
    wait_for(driver, lambda d: "登录" in d.title)
    driver.find_element(By.ID, "login-name").send_keys("李协调")
    driver.find_element(By.ID, "login-password").send_keys("correct-horse-1")
    driver.find_element(By.ID, "login-submit").click()
    wait_for(driver, lambda d: d.title == "督办看板")
    wait_for(driver, lambda d: "实时" in d.find_element(By.ID, "live").text)


def summary(d):
    return d.find_element(By.ID, "notify-summary").text


def run(driver):
    log_in(driver)
    panel = driver.find_element(By.ID, "notify-panel")
    wait_for(driver, lambda d: panel.is_displayed() and "全部通知已送达" in summary(d))
    driver.execute_script("window.__duban_marker = 1")
    print("ok: the board shows the 通知发送 panel of the console's notifier")
    units = wait_for(driver, lambda d: d.execute_script(
        "var td = document.querySelector('#notify tr[data-channel=\"ding\"] td.notify-units');"
        " return td ? td.textContent : '';"))
    assert units == "市交通运输局、市林业和草原局", units
    print("ok: the channel's departments show by name: " + units)

    duban("coordinator:office", "remind", "demo-2023-1:2.1.1", "--note", "请本周内报送")
    row = '#notify tr[data-channel="ding"]'
    wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, row + ".failing"), timeout=15)
    # (read in one go: the panel is redrawn every second while a retry waits)
    error = driver.execute_script("return document.querySelector(arguments[0]).textContent", row + " td.notify-error")
    assert "发送失败：无法连接接收方" in error, error
    assert "发送失败" in summary(driver), summary(driver)
    assert driver.execute_script("return window.__duban_marker") == 1, "the page was reloaded"
    print("ok: with the receiver down the panel shows the failed delivery and why: " + error[:60])
    driver.save_screenshot(os.path.join(os.environ.get("BUILD_DIR", T), "board-notify.png"))

    receiver = start_receiver()
    wait_for(driver, lambda d: "全部通知已送达" in summary(d), timeout=40)
    assert not driver.find_elements(By.CSS_SELECTOR, row + ".failing")
    print("ok: once the receiver is back the retry is delivered and the panel clears, without a reload")

    measure = driver.execute_async_script(
        "var done = arguments[0]; fetch('/api/board').then(function (r) { return r.json(); })"
        ".then(function (b) { done(b.tasks.filter(function (t) { return t.id === 'demo-2023-1:2.1.1'; })[0].measure); });")
    cell = '#grid td[data-unit="JTJ"][data-measure="%s"]' % measure

    def cell_class(d):  # read in one go: the grid is redrawn under a held element
        return d.execute_script("var td = document.querySelector(arguments[0]); return td ? td.className : '';",
                                cell)
    assert "colour-red" not in cell_class(driver), cell_class(driver)
    duban("admin:admin", "clock", "advance", "--days", "104")
    wait_for(driver, lambda d: "colour-red" in cell_class(d), timeout=5)
    pushes = wait_for(driver, lambda d: d.execute_script(
        "return window.__duban_cell_pushes.filter(function (p) { return p.reason === 'clock' && p.cells.some("
        "function (c) { return c.unit === 'JTJ' && c.measure === arguments[0] && c.colour === 'red'; }); }).length;"
        .replace("arguments[0]", repr(measure))), timeout=5)
    assert pushes >= 1
    assert driver.execute_script("return window.__duban_marker") == 1, "the page was reloaded"
    print("ok: the virtual clock passed a due date and the pushed cell turned red without a reload")
    return receiver


if __name__ == "__main__":
    main()
