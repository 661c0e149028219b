"""Build one production package for a demo account with N cloud-chat messages; report time and peak memory.

    .venv/bin/python bench/production/run.py --messages 1000000

Uses its own SQLite file (or BENCH_DATABASE_URL), eager Celery, and the demo record source,
which generates the messages lazily. Peak memory is the process's max RSS (getrusage),
measured before and after the build, so the growth caused by the build is visible; run
it with different N to see that the growth does not depend on the number of records.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def maxrss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the database and media afterwards")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-production-"))
    os.environ.setdefault("DATABASE_URL", os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{work / 'db.sqlite3'}"))
    os.environ["MEDIA_ROOT"] = str(work / "media")
    os.environ.pop("CELERY_BROKER_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    from requests_app.documents import DocumentInput
    from requests_app.lifecycle import Status
    from requests_app.models import Decision, Officer
    from requests_app.production import services, tasks
    from requests_app.services import SubmissionData, request_submit, request_transition
    from tests.factories import AgencyFactory, OfficerFactory, StaffFactory, minimal_pdf

    agency = AgencyFactory(name="Bench Police", email_domains=["bench.police.example"])
    officer = OfficerFactory(agency=agency, user__email="bench@bench.police.example")
    reviewer = StaffFactory(role=Officer.Role.REVIEWER)
    data = SubmissionData(
        request_type="search_warrant",
        legal_framework="us_sca",
        country="US",
        authority_kind="judge",
        issuing_authority="Bench court",
        case_number="BENCH-1",
        data_categories=["subscriber_info", "cloud_chat_content"],
        targets=[("username", f"bench_msgs{args.messages}_a")],
        date_from=date(2019, 1, 1),
        date_to=None,  # up to today: the account's whole history
    )
    lr = request_submit(
        actor=officer.user, data=data, documents=[DocumentInput("w.pdf", minimal_pdf())], acknowledge_warnings=True
    )
    request_transition(request=lr, to=Status.IN_REVIEW, actor=reviewer.user)
    for category in data.data_categories:
        Decision.objects.create(request=lr, category=category, verdict="approved", decided_by=reviewer.user)
    request_transition(request=lr, to=Status.APPROVED, actor=reviewer.user)

    tasks.production_build_task.delay = lambda pk: None  # build below, timed, instead of on commit
    production = services.production_start(request=lr, actor=reviewer.user)

    before = maxrss_mib()
    t0 = time.perf_counter()
    production = services.production_build(production_id=production.pk)
    elapsed = time.perf_counter() - t0
    after = maxrss_mib()

    assert production.status == "ready", production.status
    chats = production.files.get(path__endswith="cloud_chat_content.json").records
    print(f"messages in package : {chats:,}")
    print(f"build time          : {elapsed:.1f} s ({chats / elapsed:,.0f} messages/s)")
    print(f"zip size            : {production.size / 2**20:.1f} MiB (encrypted at rest)")
    print(f"max RSS before build: {before:.0f} MiB")
    print(f"max RSS after build : {after:.0f} MiB (growth {after - before:.0f} MiB)")
    if not args.keep:
        import shutil

        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
