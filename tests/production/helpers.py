"""Small helpers for reading packages in tests."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

from requests_app.crypto import decrypt_stream
from requests_app.production.models import Production


def package_zip(production: Production) -> zipfile.ZipFile:
    with production.file.open("rb") as fh:
        data = b"".join(decrypt_stream(fh, record=f"production.production:{production.pk}"))
    assert hashlib.sha256(data).hexdigest() == production.sha256
    return zipfile.ZipFile(io.BytesIO(data))


def manifest_of(zf: zipfile.ZipFile) -> dict:
    return json.loads(zf.read("manifest.json"))
