"""Witness the portal's audit log from outside: what a journalist, NGO or regulator runs on a schedule.

    python manage.py log_witness https://portal.example.org witness-state.json [--key VERIFIER_KEY]

Fetches the latest checkpoint, checks its signature, asks for a consistency proof from the checkpoint seen
last time and checks it, then saves the new one. Exits non-zero, saying why, if the log forked (same size,
another root), shrank or was rewritten (the proof does not verify). Uses only the public endpoints and
requests_app.tlog; needs nothing of the portal's database.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from requests_app import tlog


def _get(url: str) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - the witness's own base URL
            return response.read()
    except urllib.error.HTTPError as exc:
        raise CommandError(f"{url} answered {exc.code}") from exc
    except urllib.error.URLError as exc:
        raise CommandError(f"Cannot reach {url}: {exc.reason}") from exc


class Command(BaseCommand):
    help = "Check that the portal's audit log only grew since the last run (signed checkpoints, consistency proofs)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("base_url", help="the portal, e.g. https://portal.example.org")
        parser.add_argument("state_file", help="JSON file keeping the key and the last checkpoint seen")
        parser.add_argument(
            "--key",
            help="the log's verifier key, from a trusted channel; else the one pinned in the state file, "
            "or on the first run the one the portal publishes",
        )

    def handle(self, *args, base_url: str, state_file: str, key: str | None = None, **options) -> None:
        base = base_url.rstrip("/") + "/transparency/log/"
        path = Path(state_file)
        state = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        verifier = key or state.get("key") or _get(base + "key").decode().strip()
        if state.get("key") and state["key"] != verifier:
            raise CommandError("The verifier key differs from the one pinned in the state file.")
        note = _get(base + "checkpoint").decode()
        try:
            new = tlog.open_checkpoint(note, verifier)
        except tlog.NoteError as exc:
            raise CommandError(f"The latest checkpoint does not verify: {exc}") from exc
        if "checkpoint" in state:
            old = tlog.open_checkpoint(state["checkpoint"], verifier)
            if new.size < old.size:
                raise CommandError(
                    f"REWRITTEN: the log shrank from {old.size} to {new.size} entries since the last checkpoint seen."
                )
            if new.size == old.size and new.root != old.root:
                raise CommandError(
                    f"FORK: two signed checkpoints of size {new.size} with different roots "
                    f"({old.root.hex()} seen before, {new.root.hex()} now)."
                )
            if new.size > old.size:
                answer = json.loads(_get(f"{base}consistency?from={old.size}&to={new.size}"))
                proof = [bytes.fromhex(h) for h in answer["proof"]]
                if not tlog.verify_consistency(old.size, new.size, old.root, new.root, proof):
                    raise CommandError(
                        f"REWRITTEN: the tree of size {new.size} does not extend the tree of size {old.size} "
                        "seen before (the consistency proof fails)."
                    )
        previous = state.get("checkpoint")
        path.write_text(json.dumps({"key": verifier, "checkpoint": note, "previous": previous}, indent=2))
        self.stdout.write(self.style.SUCCESS(f"OK: {new.origin} at size {new.size}, root {new.root.hex()}"))
