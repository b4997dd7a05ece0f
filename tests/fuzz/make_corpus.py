#!/usr/bin/env python3
"""make_corpus.py: write the committed seed corpus for fuzz_wire and fuzz_rules.

Hand-encoded protobuf (no generated Python needed): one valid Request of each
kind, and a few that are almost valid. fuzz_rules seeds carry a first byte
that picks the identity (see fuzz_rules.c). Run from this folder; the output
is committed, so CI needs no Python."""
import os
import struct


def varint(v):
    out = b""
    v &= (1 << 64) - 1
    while v >= 0x80:
        out += bytes([(v & 0x7F) | 0x80])
        v >>= 7
    return out + bytes([v])


def field(num, value):
    if isinstance(value, int):
        return varint(num << 3) + varint(value)
    if isinstance(value, float):
        return varint(num << 3 | 1) + struct.pack("<d", value)
    if isinstance(value, str):
        value = value.encode()
    return varint(num << 3 | 2) + varint(len(value)) + value


def request(body_num, body, version=1, rid="seed-request-1"):
    return field(1, version) + field(2, rid) + field(body_num, body)


T = "f:1.1.1"
figure = field(1, "治沙面积") + field(2, 12.5) + field(3, "万亩")
plan = (field(1, "g") + field(2, "plan") + field(3, "2023-09-18") + field(4, "2025-12-31")
        + field(5, field(1, "1") + field(2, "s") + field(3, field(1, "1") + field(2, "m") + field(3, "LCJ")
                                                    + field(5, field(1, "g:1.1.1") + field(2, "1") + field(3, "t")
                                                            + field(4, "LCJ") + field(5, field(1, "2024-01-01")))))
        + field(6, field(1, "LCJ") + field(2, "市林业和草原局")))
seeds = {
    "ping": request(10, b""),
    "list_tasks": request(11, field(1, "LCJ") + field(2, 3)),
    "get_task": request(12, field(1, T)),
    "claim": request(13, field(1, "f:1.1.3")),
    "progress": request(14, field(1, T) + field(2, 40) + field(3, figure) + field(4, "按计划推进")),
    "progress_bad_percent": request(14, field(1, T) + field(2, (1 << 64) - 1)),
    "submit": request(15, field(1, T) + field(2, "done")),
    "escalate": request(16, field(1, T) + field(2, "funding") + field(3, "资金未到位")),
    "ack": request(17, field(1, 3) + field(2, "已转财政局")),
    "resolve": request(18, field(1, 3)),
    "remind": request(19, field(1, T)),
    "accept": request(20, field(1, T)),
    "reject": request(21, field(1, T) + field(2, "缺少材料")),
    "reassign": request(22, field(1, T) + field(2, "ZRJ") + field(3, "职责调整")),
    "load_plan": request(23, field(1, plan)),
    "watch": request(24, field(1, 0)),
    "unwatch": request(25, b""),
    "list_escalations": request(26, field(1, 1)),
    "advance_clock": request(27, field(1, 86400)),
    "version_2": request(13, field(1, T), version=2),
    "not_utf8": request(14, field(1, T) + field(4, b"\xe6\xb2\xff")),
}
os.makedirs("corpus/wire", exist_ok=True)
os.makedirs("corpus/rules", exist_ok=True)
for name, data in seeds.items():
    with open(f"corpus/wire/{name}", "wb") as f:
        f.write(data)
    # Each seed as the identity it is meant for, and as one it is not.
    for who in (0, 1, 2, 4):
        with open(f"corpus/rules/{name}-{who}", "wb") as f:
            f.write(bytes([who]) + data)
