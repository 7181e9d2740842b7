"""A real HTTP server on loopback that plays WeCom, DingTalk and Feishu: it checks each
platform's documented payload shape, recomputes the signature from the robot's secret (its
own HMAC code, not the app's), and answers the way the platform does. A robot's behaviour is
set by its credential (WeCom key, DingTalk access_token, Feishu hook id): "ok", "500",
"timeout", "refuse" (errcode/code not 0) or "flaky" (500 on the first try, then ok)."""

import base64
import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest


@dataclass
class Received:
    platform: str
    token: str
    query: dict
    body: dict
    problems: list[str]

    @property
    def text(self) -> str:
        if self.platform == "wecom":
            return self.body["markdown"]["content"]
        if self.platform == "dingtalk":
            return self.body["markdown"]["text"]
        return self.body["card"]["elements"][0]["content"]


@dataclass
class FakePlatforms:
    host: str
    port: int
    secrets: dict[str, str] = field(default_factory=dict)
    modes: dict[str, str] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    tries: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, platform: str, token: str) -> str:
        base = f"http://{self.host}:{self.port}"
        if platform == "wecom":
            return f"{base}/cgi-bin/webhook/send?key={token}"
        if platform == "dingtalk":
            return f"{base}/robot/send?access_token={token}"
        return f"{base}/open-apis/bot/v2/hook/{token}"

    def robot(self, platform: str, token: str, *, secret: str = "", mode: str = "ok") -> str:
        self.secrets[token] = secret
        self.modes[token] = mode
        return self.url(platform, token)

    def for_token(self, token: str) -> list[Received]:
        return [r for r in self.received if r.token == token]

    def problems(self) -> list[str]:
        return [p for r in self.received for p in r.problems]


def _check_wecom(body: dict, problems: list[str]) -> None:
    if set(body) != {"msgtype", "markdown"} or body.get("msgtype") != "markdown":
        problems.append(f"wecom: not a markdown message: {sorted(body)}")
        return
    content = body["markdown"].get("content")
    if not isinstance(content, str) or not content:
        problems.append("wecom: no content")
    elif len(content.encode()) > 4096:
        problems.append(f"wecom: content of {len(content.encode())} bytes > 4096")


def _check_dingtalk(body: dict, query: dict, secret: str, problems: list[str]) -> None:
    if body.get("msgtype") != "markdown":
        problems.append("dingtalk: msgtype is not markdown")
        return
    md = body.get("markdown", {})
    if not (isinstance(md.get("title"), str) and md["title"]):
        problems.append("dingtalk: no title")
    if not (isinstance(md.get("text"), str) and md["text"]):
        problems.append("dingtalk: no text")
    if secret:
        timestamp, sign = query.get("timestamp", [""])[0], query.get("sign", [""])[0]
        if not timestamp.isdigit() or abs(int(timestamp) - time.time() * 1000) > 3_600_000:
            problems.append(f"dingtalk: bad timestamp {timestamp!r}")
            return
        string_to_sign = f"{timestamp}\n{secret}".encode()
        expected = base64.b64encode(
            hmac.new(secret.encode(), string_to_sign, hashlib.sha256).digest()
        ).decode()
        if sign != expected:
            problems.append("dingtalk: bad sign")
    elif "sign" in query:
        problems.append("dingtalk: signed without a secret")


def _check_feishu(body: dict, raw: bytes, secret: str, problems: list[str]) -> None:
    if len(raw) > 20 * 1024:
        problems.append(f"feishu: body of {len(raw)} bytes > 20 KB")
    if body.get("msg_type") != "interactive":
        problems.append("feishu: msg_type is not interactive")
        return
    elements = body.get("card", {}).get("elements", [])
    if not elements or elements[0].get("tag") != "markdown" or not elements[0].get("content"):
        problems.append("feishu: no markdown element")
    if secret:
        timestamp, sign = str(body.get("timestamp", "")), body.get("sign", "")
        if not timestamp.isdigit() or abs(int(timestamp) - time.time()) > 3600:
            problems.append(f"feishu: bad timestamp {timestamp!r}")
            return
        key = f"{timestamp}\n{secret}".encode()
        expected = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
        if sign != expected:
            problems.append("feishu: bad sign")
    elif "sign" in body:
        problems.append("feishu: signed without a secret")


def _handler(state: FakePlatforms):
    class Handler(BaseHTTPRequestHandler):
        disable_nagle_algorithm = True  # else Nagle + delayed ACK add 40 ms a request

        def log_message(self, *args):  # quiet
            pass

        def _answer(self, status: int, payload: dict) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self):
            parts = urlsplit(self.path)
            query = parse_qs(parts.query)
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            problems: list[str] = []
            try:
                body = json.loads(raw)
            except ValueError:
                body, problems = {}, ["body is not JSON"]
            if parts.path == "/cgi-bin/webhook/send":
                platform, token = "wecom", query.get("key", [""])[0]
            elif parts.path == "/robot/send":
                platform, token = "dingtalk", query.get("access_token", [""])[0]
            elif parts.path.startswith("/open-apis/bot/v2/hook/"):
                platform, token = "feishu", parts.path.rsplit("/", 1)[1]
            else:
                self._answer(404, {"errcode": 404})
                return
            secret = state.secrets.get(token, "")
            if not problems:
                if platform == "wecom":
                    _check_wecom(body, problems)
                elif platform == "dingtalk":
                    _check_dingtalk(body, query, secret, problems)
                else:
                    _check_feishu(body, raw, secret, problems)
            with state.lock:
                state.received.append(Received(platform, token, query, body, problems))
                state.tries[token] = state.tries.get(token, 0) + 1
                tries = state.tries[token]
            mode = state.modes.get(token, "ok")
            ok = (
                {"code": 0, "msg": "success"}
                if platform == "feishu"
                else {"errcode": 0, "errmsg": "ok"}
            )
            if problems:
                self._answer(400, {"errcode": 40000, "code": 9499, "msg": "; ".join(problems)})
            elif mode == "500" or (mode == "flaky" and tries == 1):
                self._answer(500, {"error": "server error"})
            elif mode == "timeout":
                time.sleep(3)
                self._answer(200, ok)
            elif mode == "refuse":
                if platform == "feishu":
                    self._answer(
                        200,
                        {
                            "code": 19021,
                            "msg": "sign match fail or timestamp is not within one hour",
                        },
                    )
                else:
                    self._answer(200, {"errcode": 310000, "errmsg": "sign not match"})
            else:
                self._answer(200, ok)

    return Handler


@pytest.fixture
def platforms_server(settings):
    state = FakePlatforms(host="127.0.0.1", port=0)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.CRM_ROBOTS_ALLOW_HTTP_HOSTS = ["127.0.0.1"]
    settings.CRM_ROBOTS_TIMEOUT_SECONDS = 1
    yield state
    server.shutdown()
    server.server_close()
