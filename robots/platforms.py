"""Each platform's custom-robot webhook: the URL it accepts, the request it documents, the
signature, and how it answers. No database here; `post` is the only network call.

- WeCom (企业微信) group robot: POST https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…
  with {"msgtype": "markdown", "markdown": {"content": …}}; content at most 4096 bytes of
  UTF-8; answers {"errcode": 0, "errmsg": "ok"}. No signing (the key in the URL is the secret).
- DingTalk (钉钉) custom robot: POST https://oapi.dingtalk.com/robot/send?access_token=…
  with {"msgtype": "markdown", "markdown": {"title": …, "text": …}}; with a signing secret
  ("加签", SEC…) the URL also carries timestamp (milliseconds) and
  sign = urlencode(base64(HmacSHA256(key=secret, msg=f"{timestamp}\\n{secret}")));
  answers {"errcode": 0, "errmsg": "ok"}.
- Feishu (飞书) custom bot: POST https://open.feishu.cn/open-apis/bot/v2/hook/<id> with
  {"msg_type": "interactive", "card": {… "elements": [{"tag": "markdown", "content": …}]}};
  with a signing secret (签名校验) the body also carries timestamp (seconds) and
  sign = base64(HmacSHA256(key=f"{timestamp}\\n{secret}", msg=b"")); the body must stay under
  20 KB; answers {"code": 0, "msg": "success"}.
Sources: docs/ROBOTS.md.
"""

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from robots.models import Platform

HOSTS = {
    Platform.WECOM: ("qyapi.weixin.qq.com",),
    Platform.DINGTALK: ("oapi.dingtalk.com",),
    Platform.FEISHU: ("open.feishu.cn", "open.larksuite.com"),
}
# The Markdown text one request may carry, in bytes of UTF-8. WeCom documents 4096; Feishu
# documents a 20 KB body (the card's JSON around the text takes the rest); for DingTalk we
# found no documented figure and keep WeCom's, which is safe.
TEXT_LIMITS = {Platform.WECOM: 4096, Platform.DINGTALK: 4096, Platform.FEISHU: 18000}


class RobotError(Exception):
    """The platform refused the message or could not be reached; the text says which."""


@dataclass(frozen=True)
class Answer:
    status: int
    text: str


def validate_url(platform: str, url: str) -> None:
    """Raise ValidationError unless `url` is the platform's webhook address: https on its
    own host (or a host of CRM_ROBOTS_ALLOW_HTTP_HOSTS, over http or https, any port), the
    documented path, and its credential."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise ValidationError(_("Enter a valid webhook URL."), code="invalid") from None
    allowed_loose = host in getattr(settings, "CRM_ROBOTS_ALLOW_HTTP_HOSTS", [])
    if parts.scheme != "https" and not (allowed_loose and parts.scheme == "http"):
        raise ValidationError(_("The webhook URL must start with https://."), code="scheme")
    hosts = HOSTS.get(Platform(platform), ())
    if not allowed_loose and (host not in hosts or parts.port not in (None, 443)):
        raise ValidationError(
            _("This is not a %(platform)s webhook: its address must be on %(hosts)s.")
            % {"platform": Platform(platform).label, "hosts": ", ".join(hosts)},
            code="host",
        )
    if parts.username or parts.password or parts.fragment:
        raise ValidationError(_("Enter a valid webhook URL."), code="invalid")
    query = parse_qs(parts.query)
    if platform == Platform.WECOM:
        ok = parts.path == "/cgi-bin/webhook/send" and bool(query.get("key", [""])[0])
        example = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…"
    elif platform == Platform.DINGTALK:
        ok = parts.path == "/robot/send" and bool(query.get("access_token", [""])[0])
        example = "https://oapi.dingtalk.com/robot/send?access_token=…"
    else:
        hook = parts.path.removeprefix("/open-apis/bot/v2/hook/")
        ok = hook != parts.path and bool(hook) and "/" not in hook and not parts.query
        example = "https://open.feishu.cn/open-apis/bot/v2/hook/…"
    if not ok:
        raise ValidationError(
            _("Copy the whole webhook address the robot shows, like %(example)s.")
            % {"example": example},
            code="path",
        )


def mask_url(url: str) -> str:
    """The URL with its credential hidden (all but the last 4 characters)."""
    parts = urlsplit(url)
    if parts.query:
        query = "&".join(
            f"{name}={mask_secret(values[0])}" for name, values in parse_qs(parts.query).items()
        )
        return f"{parts.scheme}://{parts.netloc}{parts.path}?{query}"
    head, _sep, token = parts.path.rpartition("/")
    return f"{parts.scheme}://{parts.netloc}{head}/{mask_secret(token)}"


def mask_secret(secret: str) -> str:
    if not secret:
        return ""
    return "••••" + secret[-4:] if len(secret) > 8 else "••••"


def dingtalk_sign(secret: str, timestamp_ms: str) -> str:
    """DingTalk's signature before URL encoding: base64(HmacSHA256(secret, "ts\\nsecret"))."""
    digest = hmac.new(
        secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode()


def feishu_sign(secret: str, timestamp_s: str) -> str:
    """Feishu's signature: base64(HmacSHA256(key="ts\\nsecret", message empty))."""
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def build_request(
    *, platform: str, url: str, secret: str, title: str, text: str, now: float | None = None
) -> tuple[str, dict[str, Any]]:
    """The URL to POST to and the JSON body for one Markdown message."""
    now = time.time() if now is None else now
    if platform == Platform.WECOM:
        return url, {"msgtype": "markdown", "markdown": {"content": text}}
    if platform == Platform.DINGTALK:
        body: dict[str, Any] = {"msgtype": "markdown", "markdown": {"title": title, "text": text}}
        if secret:
            timestamp = str(int(now * 1000))
            signed = {"timestamp": timestamp, "sign": dingtalk_sign(secret, timestamp)}
            url = f"{url}&{urlencode(signed)}"
        return url, body
    body = {
        "msg_type": "interactive",
        "card": {
            "config": {"wide_screen_mode": True},
            "header": {"title": {"tag": "plain_text", "content": title}, "template": "blue"},
            "elements": [{"tag": "markdown", "content": text}],
        },
    }
    if secret:
        timestamp = str(int(now))
        body = {"timestamp": timestamp, "sign": feishu_sign(secret, timestamp), **body}
    return url, body


def check_answer(platform: str, answer: Answer) -> None:
    """Raise RobotError unless the platform accepted the message."""
    if not 200 <= answer.status < 300:
        raise RobotError(
            _("The platform answered HTTP %(status)s: %(text)s")
            % {"status": answer.status, "text": answer.text[:200]}
        )
    try:
        data = json.loads(answer.text)
    except ValueError:
        raise RobotError(
            _("The platform's answer is not JSON: %(text)s") % {"text": answer.text[:200]}
        ) from None
    if not isinstance(data, dict):
        raise RobotError(
            _("The platform's answer is not JSON: %(text)s") % {"text": answer.text[:200]}
        )
    code = (
        data.get("code", data.get("StatusCode"))
        if platform == Platform.FEISHU
        else data.get("errcode")
    )
    if code != 0:
        message = data.get("msg") or data.get("errmsg") or ""
        raise RobotError(
            _("The platform refused the message (code %(code)s): %(message)s")
            % {"code": code, "message": str(message)[:200]}
        )


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A webhook never redirects; following one could lead the server anywhere."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def post(*, url: str, body: dict[str, Any]) -> Answer:
    """POST the JSON body; raise RobotError on a network failure or a timeout."""
    data = json.dumps(body, ensure_ascii=False).encode()
    # The URL passed validate_url (http or https only), so no file: or custom scheme.
    request = urllib.request.Request(  # noqa: S310
        url, data=data, method="POST", headers={"Content-Type": "application/json; charset=utf-8"}
    )
    timeout = float(getattr(settings, "CRM_ROBOTS_TIMEOUT_SECONDS", 10))
    try:
        opener = urllib.request.build_opener(_NoRedirect)
        with opener.open(request, timeout=timeout) as response:
            return Answer(response.status, response.read(4096).decode("utf-8", "replace"))
    except urllib.error.HTTPError as exc:
        return Answer(exc.code, exc.read(4096).decode("utf-8", "replace"))
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise RobotError(
            _("Could not reach the platform: %(reason)s") % {"reason": reason}
        ) from None


def send(*, platform: str, url: str, secret: str, title: str, text: str) -> str:
    """Send one Markdown message; return the platform's answer, raise RobotError if refused."""
    validate_url(platform, url)
    target, body = build_request(platform=platform, url=url, secret=secret, title=title, text=text)
    answer = post(url=target, body=body)
    check_answer(platform, answer)
    return answer.text[:300]
