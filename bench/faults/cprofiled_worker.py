"""A Celery worker under cProfile with CPU time as its clock (`python -m cProfile` counts waiting on
PostgreSQL too): `python bench/faults/cprofiled_worker.py OUT.prof -A portal worker --pool=solo ...`.

The profile is written to OUT.prof when the worker stops (SIGTERM: Celery's warm shutdown). Used by
bench/faults/run.py (BENCH_WORKER_CPROFILE) and bench/faults/profile_followups.py (--worker-cprofile).
"""

import cProfile
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from celery.__main__ import main  # noqa: E402

if __name__ == "__main__":
    out = sys.argv.pop(1)
    sys.argv[0] = "celery"
    profile = cProfile.Profile(time.process_time)
    try:
        profile.runcall(main)
    except SystemExit:
        pass
    finally:
        profile.dump_stats(out)
