#!/usr/bin/env python3
"""Stand-ins for PagerDuty's Events API v2 and an SMTP relay, on the loopback of the Prometheus
host only, so the scenario's notifications never leave it. Each request is appended as one JSON
line to a log that verify.yml reads back.

    fake_receivers.py pagerduty PORT LOG    HTTP: POST /v2/enqueue -> 202, logs the JSON body
    fake_receivers.py smtp PORT LOG         SMTP with AUTH PLAIN: logs credentials and message
"""
import base64
import http.server
import json
import socketserver
import sys


def append(log, record):
    with open(log, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(record) + "\n")


class PagerDuty(http.server.BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        append(self.server.log, {"path": self.path, "body": json.loads(body or b"{}")})
        reply = json.dumps({"status": "success", "message": "Event processed", "dedup_key": "molecule"}).encode()
        self.send_response(202)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)


class Smtp(socketserver.StreamRequestHandler):
    def reply(self, line):
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self):
        record = {"auth": None, "from": None, "to": [], "data": ""}
        self.reply("220 fake-smtp ESMTP")
        while True:
            line = self.rfile.readline().decode(errors="replace").rstrip("\r\n")
            if not line:
                return
            verb = line.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250-fake-smtp")
                self.reply("250 AUTH PLAIN")
            elif verb == "AUTH":
                parts = line.split(" ")
                token = parts[2] if len(parts) > 2 else None
                if token is None:
                    self.reply("334 ")
                    token = self.rfile.readline().decode().strip()
                _, user, password = base64.b64decode(token).decode().split("\0")
                record["auth"] = {"username": user, "password": password}
                self.reply("235 2.7.0 Authentication successful")
            elif verb == "MAIL":
                record["from"] = line.split(":", 1)[1].strip()
                self.reply("250 OK")
            elif verb == "RCPT":
                record["to"].append(line.split(":", 1)[1].strip())
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                lines = []
                while True:
                    data = self.rfile.readline().decode(errors="replace")
                    if data in (".\r\n", ".\n", ""):
                        break
                    lines.append(data)
                record["data"] = "".join(lines)
                append(self.server.log, record)
                record = {"auth": record["auth"], "from": None, "to": [], "data": ""}
                self.reply("250 OK queued")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("250 OK")


def main():
    kind, port, log = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    handler = PagerDuty if kind == "pagerduty" else Smtp
    server_class = http.server.ThreadingHTTPServer if kind == "pagerduty" else socketserver.ThreadingTCPServer
    server_class.allow_reuse_address = True
    server = server_class(("127.0.0.1", port), handler)
    server.log = log
    server.serve_forever()


if __name__ == "__main__":
    main()
