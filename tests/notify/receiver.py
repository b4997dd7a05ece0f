#!/usr/bin/python3
"""receiver.py: a local HTTPS receiver for the notification tests.

Serves POSTs on 127.0.0.1 over TLS with the given certificate and appends
one JSON line per POST to --log: path, query, body, and whether its
signature checked (DingTalk's timestamp+sign query for paths starting with
/ding, the X-Duban-Signature header for /hook). While the file --fail-file
exists it answers 500 instead. /ding and /wecom answer as the robots do,
{"errcode":0,"errmsg":"ok"}; a bad DingTalk signature gets errcode 310000.
"""
import argparse
import base64
import hashlib
import hmac
import http.server
import json
import os
import ssl
import urllib.parse


def dingtalk_sign_ok(query, secret):
    params = urllib.parse.parse_qs(query)
    if "timestamp" not in params or "sign" not in params:
        return False
    timestamp = params["timestamp"][0]
    mac = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    return hmac.compare_digest(base64.b64encode(mac).decode(), params["sign"][0])


def make_handler(args):
    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *unused):
            pass

        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length).decode("utf-8")
            url = urllib.parse.urlsplit(self.path)
            if os.path.exists(args.fail_file):
                self.answer(500, {"error": "told to fail"})
                return
            record = {"path": url.path, "query": url.query, "body": json.loads(body)}
            if url.path.startswith("/ding"):
                record["sign_ok"] = dingtalk_sign_ok(url.query, args.dingtalk_secret)
            if url.path.startswith("/hook"):
                want = "sha256=" + hmac.new(args.webhook_secret.encode(), body.encode(), hashlib.sha256).hexdigest()
                record["sign_ok"] = hmac.compare_digest(self.headers.get("X-Duban-Signature", ""), want)
            with open(args.log, "a", encoding="utf-8") as log:
                log.write(json.dumps(record, ensure_ascii=False) + "\n")
            if url.path.startswith("/ding") and not record["sign_ok"]:
                self.answer(200, {"errcode": 310000, "errmsg": "sign not match"})
            else:
                self.answer(200, {"errcode": 0, "errmsg": "ok"})

        def answer(self, status, obj):
            data = json.dumps(obj).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--fail-file", required=True)
    parser.add_argument("--dingtalk-secret", default="")
    parser.add_argument("--webhook-secret", default="")
    args = parser.parse_args()
    server = http.server.HTTPServer(("127.0.0.1", args.port), make_handler(args))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.cert, args.key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
