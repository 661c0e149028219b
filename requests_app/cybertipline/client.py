"""NCMEC's CyberTipline Reporting API: open a report (/submit), upload each file (/upload),
describe it (/fileinfo), finish (/finish); retract (/retract); ask whether it is up (/status).

Credentials and base URL come from the environment (NCMEC_API_URL, NCMEC_API_USERNAME,
NCMEC_API_PASSWORD). Without a URL the demo transport answers like NCMEC and records what
would have been sent, and sends nothing anywhere.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import requests
from django.conf import settings
from django.utils import timezone

from requests_app.cybertipline.reportxml import Answer, parse_answer

log = logging.getLogger(__name__)

TEST_ENVIRONMENT_URL = "https://exttest.cybertip.org/ispws"
PRODUCTION_URL = "https://report.cybertip.org/ispws"


class NcmecUnavailable(Exception):
    """NCMEC could not be reached or answered with a server error: try again later."""


class NcmecRefused(Exception):
    """NCMEC answered with a non-zero responseCode: the message carries its description."""

    def __init__(self, answer: Answer, step: str):
        self.answer = answer
        super().__init__(f"NCMEC refused the {step} (code {answer.code}): {answer.description or 'no description'}")


@dataclass
class Upload:
    name: str
    content: bytes


class Transport(Protocol):
    def post(
        self, path: str, *, xml: bytes | None = None, form: dict | None = None, upload: Upload | None = None
    ) -> bytes: ...


class HttpTransport:
    """The real API over HTTPS with basic authentication."""

    def __init__(self, base_url: str, username: str, password: str, timeout: float = 60):
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        self.session.auth = (username, password)
        self.timeout = timeout

    def post(self, path, *, xml=None, form=None, upload=None) -> bytes:
        url = self.base_url + path
        try:
            if xml is not None:
                resp = self.session.post(
                    url, data=xml, headers={"Content-Type": "text/xml; charset=utf-8"}, timeout=self.timeout
                )
            elif upload is not None:
                resp = self.session.post(
                    url, data=form or {}, files={"file": (upload.name, upload.content)}, timeout=self.timeout
                )
            else:
                resp = self.session.post(url, data=form or {}, timeout=self.timeout)
        except requests.RequestException as exc:
            raise NcmecUnavailable(f"NCMEC could not be reached ({type(exc).__name__}).") from None
        if resp.status_code >= 500 or resp.status_code in (408, 429):
            raise NcmecUnavailable(f"NCMEC answered HTTP {resp.status_code}; the submission will be retried.")
        if resp.status_code == 401:
            raise NcmecUnavailable("NCMEC refused the credentials (HTTP 401): check NCMEC_API_USERNAME/PASSWORD.")
        return resp.content

    def get(self, path: str) -> bytes:
        try:
            resp = self.session.get(self.base_url + path, timeout=self.timeout)
        except requests.RequestException as exc:
            raise NcmecUnavailable(f"NCMEC could not be reached ({type(exc).__name__}).") from None
        return resp.content


class DemoTransport:
    """Answers like NCMEC and records what would be sent (XML in full; files by hash only)."""

    _ids = itertools.count(900000001)
    calls: list[dict] = []

    def __init__(self, directory: Path | None = None):
        self.directory = directory or Path(settings.MEDIA_ROOT) / "cybertipline-demo-outbox"

    def _record(self, entry: dict) -> None:
        self.calls.append(entry)
        self.directory.mkdir(parents=True, exist_ok=True)
        with open(self.directory / "calls.jsonl", "a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry) + "\n")

    def post(self, path, *, xml=None, form=None, upload=None) -> bytes:
        entry = {"at": timezone.now().isoformat(), "path": path, "form": form or {}}
        if xml is not None:
            entry["xml"] = xml.decode("utf-8")
        if upload is not None:
            entry["file"] = {"name": upload.name, "sha256": hashlib.sha256(upload.content).hexdigest()}
        self._record(entry)
        if path == "/submit":
            body = f"<reportId>{next(self._ids)}</reportId>"
        elif path == "/upload":
            body = f"<reportId>{form['id']}</reportId><fileId>demo-{hashlib.md5(upload.content).hexdigest()}</fileId>"  # noqa: S324
        elif path in ("/finish", "/retract"):
            tag = "reportDoneResponse" if path == "/finish" else "reportResponse"
            return (
                f"<{tag}><responseCode>0</responseCode><responseDescription>Success (demo transport: nothing "
                f"was sent)</responseDescription><reportId>{form['id']}</reportId></{tag}>"
            ).encode()
        else:
            body = ""
        return (
            "<reportResponse><responseCode>0</responseCode>"
            f"<responseDescription>Success (demo transport)</responseDescription>{body}</reportResponse>"
        ).encode()


def transport() -> Transport:
    url = settings.NCMEC_API_URL
    if not url:
        if settings.PRODUCTION:
            # Never "send" a real report to the demo transport: it stays queued and is retried.
            raise NcmecUnavailable("NCMEC_API_URL is not set: the report cannot be sent until it is configured.")
        return DemoTransport()
    return HttpTransport(
        url, settings.NCMEC_API_USERNAME, settings.NCMEC_API_PASSWORD, settings.NCMEC_API_TIMEOUT_SECONDS
    )


def is_demo() -> bool:
    return not settings.NCMEC_API_URL


class NcmecClient:
    """One method per documented endpoint; each parses NCMEC's answer and raises on refusal."""

    def __init__(self, t: Transport | None = None):
        self.t = t or transport()

    def _answer(self, body: bytes, step: str) -> Answer:
        try:
            answer = parse_answer(body)
        except ValueError as exc:
            raise NcmecUnavailable(str(exc)) from None
        if not answer.ok:
            raise NcmecRefused(answer, step)
        return answer

    def submit(self, report_xml: bytes) -> Answer:
        answer = self._answer(self.t.post("/submit", xml=report_xml), "report")
        if not answer.report_id:
            raise NcmecUnavailable("NCMEC accepted the report but gave no report id.")
        return answer

    def upload(self, report_id: str, name: str, content: bytes) -> Answer:
        answer = self._answer(self.t.post("/upload", form={"id": report_id}, upload=Upload(name, content)), "upload")
        if not answer.file_id:
            raise NcmecUnavailable("NCMEC accepted the upload but gave no file id.")
        return answer

    def fileinfo(self, details_xml: bytes) -> Answer:
        return self._answer(self.t.post("/fileinfo", xml=details_xml), "file details")

    def finish(self, report_id: str) -> Answer:
        return self._answer(self.t.post("/finish", form={"id": report_id}), "finish")

    def retract(self, report_id: str) -> Answer:
        return self._answer(self.t.post("/retract", form={"id": report_id}), "retraction")
