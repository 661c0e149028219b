"""A local stand-in for NCMEC's CyberTipline Reporting API, started by the tests on a free port.

It implements the documented endpoints (/status, /submit, /upload, /fileinfo, /finish, /retract),
checks basic authentication, validates every XML document it receives against the schema the
portal ships, answers with NCMEC's <reportResponse>/<reportDoneResponse>, and keeps what it got so
tests can count reports. `fail_next` makes the next call to a path answer HTTP 503 (a real failure
over a real socket, not a mock).
"""

from __future__ import annotations

import base64
import email.parser
import email.policy
import hashlib
import itertools
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

from lxml import etree

from requests_app.cybertipline.reportxml import SUBSET_XSD


@dataclass
class Received:
    xml: bytes
    files: dict[str, bytes] = field(default_factory=dict)  # fileId -> content
    fileinfo: dict[str, bytes] = field(default_factory=dict)  # fileId -> fileDetails XML
    finished: int = 0
    retracted: bool = False


class FakeNcmec:
    def __init__(self, username: str = "esp", password: str = "secret"):
        self.auth = "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()
        self.schema = etree.XMLSchema(etree.parse(str(SUBSET_XSD)))
        self.reports: dict[str, Received] = {}
        self.calls: list[str] = []
        self.fail_next: dict[str, int] = {}
        self._ids = itertools.count(100000001)
        self._file_ids = itertools.count(1)
        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/ispws"

    def start(self) -> FakeNcmec:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    @property
    def finished_reports(self) -> list[str]:
        return [rid for rid, r in self.reports.items() if r.finished]

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _answer(self, status: int, body: str) -> None:
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/xml; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _response(self, code: int, desc: str, extra: str = "", tag: str = "reportResponse") -> None:
                self._answer(
                    200,
                    f"<{tag}><responseCode>{code}</responseCode>"
                    f"<responseDescription>{escape(desc)}</responseDescription>{extra}</{tag}>",
                )

            def do_GET(self):
                if self.path.endswith("/status"):
                    return self._response(0, "Remote User : esp, Remote Ip : 127.0.0.1")
                return self._answer(404, "")

            def do_POST(self):
                path = self.path.removeprefix("/ispws")
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with fake.lock:
                    fake.calls.append(path)
                    if self.headers.get("Authorization") != fake.auth:
                        return self._answer(401, "")
                    if fake.fail_next.get(path):
                        fake.fail_next[path] -= 1
                        return self._answer(503, "")
                    return getattr(self, "_" + path.strip("/"), self._missing)(body)

            def _missing(self, body):
                return self._answer(404, "")

            def _valid(self, body: bytes, root_tag: str) -> etree._Element | None:
                try:
                    doc = etree.fromstring(body)
                except etree.XMLSyntaxError as exc:
                    self._response(1000, f"Invalid XML: {exc}")
                    return None
                if doc.tag != root_tag or not fake.schema.validate(doc):
                    self._response(1000, f"Schema validation failed: {fake.schema.error_log.last_error}")
                    return None
                return doc

            def _submit(self, body):
                if self._valid(body, "report") is None:
                    return None
                rid = str(next(fake._ids))
                fake.reports[rid] = Received(xml=body)
                return self._response(0, "Success", f"<reportId>{rid}</reportId>")

            def _form(self, body) -> dict[str, str]:
                return {k: v[0] for k, v in parse_qs(body.decode()).items()}

            def _upload(self, body):
                msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
                    b"Content-Type: " + self.headers["Content-Type"].encode() + b"\r\n\r\n" + body
                )
                fields, content = {}, None
                for part in msg.iter_parts():
                    name = part.get_param("name", header="content-disposition")
                    if name == "file":
                        content = part.get_payload(decode=True)
                    else:
                        fields[name] = part.get_content().strip()
                report = fake.reports.get(fields.get("id", ""))
                if report is None or content is None or report.finished:
                    return self._response(1100, "Unknown or finished report, or no file")
                fid = f"f{next(fake._file_ids)}"
                report.files[fid] = content
                return self._response(
                    0,
                    "Success",
                    f"<reportId>{fields['id']}</reportId><fileId>{fid}</fileId>"
                    f"<hash>{hashlib.md5(content).hexdigest()}</hash>",  # noqa: S324
                )

            def _fileinfo(self, body):
                doc = self._valid(body, "fileDetails")
                if doc is None:
                    return None
                report = fake.reports.get(doc.findtext("reportId"))
                fid = doc.findtext("fileId")
                if report is None or fid not in report.files:
                    return self._response(1100, "Unknown report or file")
                report.fileinfo[fid] = body
                return self._response(0, "Success")

            def _finish(self, body):
                rid = self._form(body).get("id", "")
                report = fake.reports.get(rid)
                if report is None:
                    return self._response(1100, "Unknown report", tag="reportDoneResponse")
                report.finished += 1
                files = "".join(f"<fileId>{f}</fileId>" for f in report.files)
                return self._response(
                    0, "Success", f"<reportId>{rid}</reportId><files>{files}</files>", tag="reportDoneResponse"
                )

            def _retract(self, body):
                report = fake.reports.get(self._form(body).get("id", ""))
                if report is None:
                    return self._response(1100, "Unknown report")
                report.retracted = True
                return self._response(0, "Success")

        return Handler
