#!/usr/bin/python3
"""Driven by web_latency.sh: page load of the board, and report -> board
delay (from just before the CLI call to the SSE event's arrival in the page,
both on this machine's clock)."""
import json
import os
import statistics
import subprocess
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

URL, T, BIN = os.environ["CONSOLE_URL"], os.environ["T"], os.environ["BIN"]
TASK, UNIT, N = os.environ["TASK"], os.environ["UNIT"], int(os.environ["N"])


def report(percent):
    subprocess.run([BIN + "/duban", "progress", TASK, "--percent", str(percent), "--json", "--broker",
                    os.environ["ENDPOINT"], "--server-key", T + "/keys/broker.key", "--key",
                    T + "/keys/unit-" + UNIT + ".key"], check=True, capture_output=True)


opts = webdriver.ChromeOptions()
opts.binary_location = "/usr/bin/chromium"
for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,1800"):
    opts.add_argument(a)
d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
try:
    d.get(URL + "/login")
    d.find_element(By.ID, "login-name").send_keys("李协调")
    d.find_element(By.ID, "login-password").send_keys("correct-horse-1")
    d.find_element(By.ID, "login-submit").click()
    WebDriverWait(d, 20).until(lambda x: x.title == "督办看板")
    loads = []
    for _ in range(5):
        t0 = time.time()
        d.get(URL + "/")
        WebDriverWait(d, 20, poll_frequency=0.01).until(
            lambda x: x.execute_script("return document.querySelectorAll('#grid td.cell').length") > 0)
        loads.append((time.time() - t0) * 1000)
        WebDriverWait(d, 20).until(lambda x: "实时" in x.find_element(By.ID, "live").text)
    tasks = d.execute_script("return document.querySelectorAll('#grid td.cell').length")
    delays = []
    for i in range(N):
        before = d.execute_script("return window.__duban_seen.length")
        t0 = time.time() * 1000
        report(1 + i % 99)
        WebDriverWait(d, 10, poll_frequency=0.01).until(
            lambda x: x.execute_script("return window.__duban_seen.length") > before)
        seq = d.execute_script("return window.__duban_seen[window.__duban_seen.length - 1]")
        arrived = d.execute_script("return window.__duban_arrivals[arguments[0]]", seq)
        delays.append(arrived - t0)
    delays.sort()
    p99 = delays[min(len(delays) - 1, int(round(0.99 * len(delays))) - 1)]
    print(json.dumps({"grid_cells": tasks, "page_load_ms_median": round(statistics.median(loads)),
                      "page_load_ms_max": round(max(loads)), "reports": N,
                      "report_to_board_ms_median": round(statistics.median(delays)),
                      "report_to_board_ms_p99": round(p99)}, ensure_ascii=False))
finally:
    d.quit()
