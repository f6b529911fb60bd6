"""Where an import's time goes: runs one import in this process and prints the slowest SQL
statements with their seconds. Use on an empty registry, e.g. after `make bench`:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sejahtera_bench \
        .venv/bin/python bench/profile_import.py bench/cache/hh1000000 --truncate
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path
from typing import Any

import django


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("folder", type=Path, help="folder with households.csv and persons.csv")
    parser.add_argument("--truncate", action="store_true", help="empty the registry first")
    parser.add_argument("--top", type=int, default=20)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sejahtera.config.settings")
    django.setup()
    from django.db import connection

    from sejahtera.registry.services import import_run, import_submit, system_user

    if args.truncate:
        with connection.cursor() as cur:
            cur.execute("TRUNCATE registry_person, registry_household, registry_importrowerror CASCADE")
    timings: list[tuple[float, str]] = []

    def timed(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            timings.append((time.perf_counter() - start, " ".join(sql.split())[:110]))

    with connection.execute_wrapper(timed):
        start = time.perf_counter()
        job = import_submit(
            actor=system_user(),
            households_path=args.folder / "households.csv",
            persons_path=args.folder / "persons.csv",
        )
        job = import_run(job_id=job.pk)
        total = time.perf_counter() - start
    print(
        f"total {total:.1f} s: {job.households_imported:,} households, {job.persons_imported:,} persons, "
        f"{job.rows_rejected:,} rows rejected"
    )
    print("COPY statements (staging) are not wrapped by Django and are in the remainder:")
    print(f"  statements timed: {sum(t for t, _ in timings):.1f} s")
    for seconds, sql in sorted(timings, reverse=True)[: args.top]:
        print(f"{seconds:8.2f}  {sql}")


if __name__ == "__main__":
    main()
