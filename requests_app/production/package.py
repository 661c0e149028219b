"""Writes a production package as a zip stream, one piece at a time.

The zip is produced by a generator (so it can be fed straight into
requests_app.crypto.encrypt_chunks): records are serialised as they come from
the record source, hashed per file, compressed and handed on; nothing grows
with the number of records except counters.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

FLUSH_BYTES = 256 * 1024


class _Sink:
    """A write-only, non-seekable file for ZipFile; keeps what was written until taken."""

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.position = 0

    def write(self, data: bytes) -> int:
        self.buffer += data
        self.position += len(data)
        return len(data)

    def tell(self) -> int:
        return self.position

    def seek(self, *args: Any) -> int:
        raise OSError("not seekable")  # makes ZipFile write data descriptors instead of seeking back

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        out = bytes(self.buffer)
        self.buffer.clear()
        return out


@dataclass
class Entry:
    path: str
    size: int
    sha256: str
    records: int = 0
    target_id: int | None = None
    category: str = ""


@dataclass
class DataFile:
    """A data file to write: its records are produced lazily."""

    path: str
    fmt: str  # "json" or "csv"
    records: Callable[[], Iterable[dict[str, Any]]]
    fields: list[str]
    target_id: int | None = None
    category: str = ""


class _HashingMember:
    def __init__(self, member, sink: _Sink) -> None:
        self.member = member
        self.sink = sink
        self.hash = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> None:
        self.member.write(data)
        self.hash.update(data)
        self.size += len(data)


class PackageWriter:
    """Streams a zip: the data files, then the closing files made from their entries.

    `closing(entries)` returns [(path, bytes)] written last (manifest, certificate).
    `on_progress(done_files, records_in_current_file)` is called now and then.
    """

    def __init__(
        self,
        *,
        files: list[DataFile],
        closing: Callable[[list[Entry]], list[tuple[str, bytes]]],
        on_progress: Callable[[int, int, str], None] | None = None,
        compresslevel: int = 6,
    ) -> None:
        self.files = files
        self.closing = closing
        self.on_progress = on_progress or (lambda done, records, path: None)
        self.compresslevel = compresslevel
        self.entries: list[Entry] = []
        self.zip_hash = hashlib.sha256()
        self.zip_size = 0

    def _out(self, sink: _Sink) -> bytes:
        data = sink.take()
        self.zip_hash.update(data)
        self.zip_size += len(data)
        return data

    def stream(self) -> Iterator[bytes]:
        sink = _Sink()
        with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=self.compresslevel) as zf:
            for index, spec in enumerate(self.files):
                self.on_progress(index, 0, spec.path)
                with zf.open(spec.path, "w", force_zip64=True) as raw:
                    member = _HashingMember(raw, sink)
                    count = reported = 0
                    for count, _ in self._serialise(spec, member):
                        if len(sink.buffer) >= FLUSH_BYTES:
                            yield self._out(sink)
                        if count - reported >= 50_000:
                            reported = count
                            self.on_progress(index, count, spec.path)
                self.entries.append(
                    Entry(spec.path, member.size, member.hash.hexdigest(), count, spec.target_id, spec.category)
                )
                yield self._out(sink)
            self.on_progress(len(self.files), 0, "manifest and certificate")
            for path, content in self.closing(list(self.entries)):
                zf.writestr(path, content)
                yield self._out(sink)
        yield self._out(sink)  # the central directory

    @staticmethod
    def _serialise(spec: DataFile, member: _HashingMember) -> Iterator[tuple[int, None]]:
        """Write the records of one file; yields (records so far, None) after each record."""
        buffer: list[bytes] = []
        pending = 0

        def drain() -> None:
            nonlocal pending
            if buffer:
                member.write(b"".join(buffer))
                buffer.clear()
                pending = 0

        count = 0
        if spec.fmt == "json":
            member.write(b"[")
            for record in spec.records():
                line = (b"\n  " if count == 0 else b",\n  ") + json.dumps(
                    record, ensure_ascii=False, sort_keys=True, default=str
                ).encode()
                buffer.append(line)
                pending += len(line)
                count += 1
                if pending >= 64 * 1024:
                    drain()
                    yield count, None
            drain()
            member.write(b"\n]\n" if count else b"]\n")
        else:
            text = io.StringIO()
            writer = csv.DictWriter(text, fieldnames=spec.fields, extrasaction="ignore", lineterminator="\r\n")
            writer.writeheader()
            for record in spec.records():
                writer.writerow(record)
                count += 1
                if text.tell() >= 64 * 1024:
                    member.write(text.getvalue().encode())
                    text.seek(0)
                    text.truncate()
                    yield count, None
            member.write(text.getvalue().encode())
        yield count, None


def manifest_bytes(manifest: dict[str, Any]) -> bytes:
    return json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False).encode() + b"\n"
