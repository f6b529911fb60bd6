"""sejahtera release build | publish | discard | abandon | diff | list"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from tqdm import tqdm

from sejahtera.common.errors import DomainError
from sejahtera.common.views import csv_lines
from sejahtera.updates import selectors, services
from sejahtera.updates.models import Release

from ._cli import actor, add_user_argument, to_json

# What `build --json` and `list --json` say of a release (with previous, built_by, published_by, timings).
IDENTITY = ("number", "period", "status", "cutoff", "decree_number", "published_at")
COUNTS = ("households", "persons", "added", "removed", "changed", "proposals_applied", "proposals_conflicted")
SUMMARY = (*IDENTITY, *COUNTS)
TABLE_COLUMNS = (
    ("household_id", 12),
    ("change", 8),
    ("reason", 14),
    ("kk_number", 17),
    ("village_code", 12),
    ("members_before", 15),
    ("members_after", 13),
)


def summary(release: Release) -> dict[str, Any]:
    out = {k: getattr(release, k) for k in SUMMARY}
    out["previous"] = release.previous.number if release.previous else None
    out["built_by"] = release.built_by.get_username()
    out["published_by"] = release.published_by.get_username() if release.published_by else None
    out["timings"] = release.timings
    return out


def _cutoff(raw: str | None) -> dt.datetime | None:
    if not raw:
        return None
    try:
        value = dt.datetime.fromisoformat(raw)
    except ValueError as exc:
        raise CommandError(f"--cutoff {raw!r}: expected an ISO date and time, e.g. 2026-09-30T23:59") from exc
    return timezone.make_aware(value) if timezone.is_naive(value) else value


class Command(BaseCommand):
    help = (
        "Releases (penetapan): build the next one, publish it under the minister's decree (someone "
        "other than its builder: pass --user for one of the two), discard a draft, show a diff, list."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        build = sub.add_parser("build", help="Apply approved proposals up to the cut-off, snapshot, diff.")
        build.add_argument("--period", required=True, help="YYYY-MM (quarterly since 2025: 01, 04, 07, 10).")
        build.add_argument("--cutoff", help="ISO date and time (default: now).")
        build.add_argument("--json", action="store_true", help="Print the summary as JSON.")
        add_user_argument(build)

        publish = sub.add_parser("publish", help="Determine a draft; it is never changed afterwards.")
        publish.add_argument("number", type=int)
        publish.add_argument("--decree", required=True, help="The minister's decree number.")
        add_user_argument(publish)

        discard = sub.add_parser("discard", help="Drop a draft (the registry changes it applied stay).")
        discard.add_argument("number", type=int)
        discard.add_argument("--reason", required=True)
        add_user_argument(discard)

        abandon = sub.add_parser("abandon", help="Close a release left building by a worker that died.")
        abandon.add_argument("number", type=int)
        abandon.add_argument("--reason", required=True)
        add_user_argument(abandon)

        diff = sub.add_parser("diff", help="Households added, removed or changed in release N.")
        diff.add_argument("number", type=int)
        diff.add_argument(
            "against",
            type=int,
            nargs="?",
            help="Compare with this release (default: the one N was built against).",
        )
        diff.add_argument("--region", default="", help="Region code (2, 4, 6 or 10 digits).")
        diff.add_argument("--format", choices=("table", "csv", "json"), default="table")
        diff.add_argument("--output", type=Path, help="Write to this file instead of the screen.")
        add_user_argument(diff)

        listing = sub.add_parser("list", help="Every release, newest first.")
        listing.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            getattr(self, f"_{action}")(options)
        except DomainError as exc:
            raise CommandError(exc.message) from exc

    # --- build, publish, discard ------------------------------------------------------------------------
    def _build(self, options: dict[str, Any]) -> None:
        user = actor(options.get("user"))
        show_bar = not options["json"] and sys.stderr.isatty()
        bar = tqdm(total=100, unit="%", desc="release", file=sys.stderr) if show_bar else None

        def on_progress(phase: str, percent: int) -> None:
            if bar is not None:
                bar.set_postfix_str(phase)
                bar.update(percent - bar.n)

        try:
            release = services.release_build(
                actor=user,
                period=options["period"],
                cutoff=_cutoff(options.get("cutoff")),
                on_progress=on_progress,
            )
        finally:
            if bar is not None:
                bar.close()
        self._print_summary(release, as_json=options["json"])

    def _publish(self, options: dict[str, Any]) -> None:
        user = actor(options.get("user"))
        selectors.release_get(user=user, number=options["number"])
        release = services.release_publish(
            actor=user, number=options["number"], decree_number=options["decree"]
        )
        self.stdout.write(f"release {release.number} published under {release.decree_number}")

    def _discard(self, options: dict[str, Any]) -> None:
        user = actor(options.get("user"))
        selectors.release_get(user=user, number=options["number"])
        release = services.release_discard(actor=user, number=options["number"], reason=options["reason"])
        self.stdout.write(f"release {release.number} discarded")

    def _abandon(self, options: dict[str, Any]) -> None:
        user = actor(options.get("user"))
        release = services.release_abandon(actor=user, number=options["number"], reason=options["reason"])
        self.stdout.write(f"release {release.number} closed as failed; a new build may start")

    def _print_summary(self, release: Release, *, as_json: bool) -> None:
        data = summary(release)
        if as_json:
            self.stdout.write(to_json(data))
            return
        for key, value in data.items():
            self.stdout.write(f"{key:<22}{'' if value is None else value}")

    # --- list ---------------------------------------------------------------------------------------------
    def _list(self, options: dict[str, Any]) -> None:
        releases = selectors.release_list(user=actor(None)).select_related("previous")
        if options["json"]:
            self.stdout.write(to_json([summary(r) for r in releases]))
            return
        self.stdout.write(
            f"{'#':>4} {'period':<8} {'status':<10} {'households':>11} {'added':>9} {'removed':>9} "
            f"{'changed':>9}  decree"
        )
        for r in releases:
            self.stdout.write(
                f"{r.number:>4} {r.period:<8} {r.status:<10} {r.households:>11} {r.added:>9} {r.removed:>9} "
                f"{r.changed:>9}  {r.decree_number}"
            )

    # --- diff ---------------------------------------------------------------------------------------------
    def _diff(self, options: dict[str, Any]) -> None:
        user = actor(options.get("user"))
        release = selectors.release_get(user=user, number=options["number"])
        region = options["region"]
        if region and not (region.isdigit() and len(region) in (2, 4, 6, 10)):
            raise CommandError(f"--region {region!r}: a region code of 2, 4, 6 or 10 digits")
        against = options.get("against")
        if against is None or (release.previous is not None and against == release.previous.number):
            # The stored diff, as the build wrote it.
            rows: Iterable[Sequence[Any]] = (
                selectors.release_changes(user=user, release=release, region=region)
                .values_list(*selectors.DIFF_COLUMNS)
                .iterator(chunk_size=2000)
            )
        else:
            other = selectors.release_get(user=user, number=against)
            rows = selectors.release_compare(user=user, release=release, against=other, region=region)
        writer = {"table": _write_table, "csv": _write_csv, "json": _write_json}[options["format"]]
        if options["output"]:
            with options["output"].open("w", encoding="utf-8", newline="") as fh:
                written = writer(fh.write, rows)
            self.stderr.write(f"{written} rows written to {options['output']}")
        else:
            writer(lambda text: self.stdout.write(text, ending=""), rows)


Write = Callable[[str], Any]


def _write_table(write: Write, rows: Iterable[Sequence[Any]]) -> int:
    index = [selectors.DIFF_COLUMNS.index(name) for name, _width in TABLE_COLUMNS]
    widths = [width for _name, width in TABLE_COLUMNS]

    def line(cells: Sequence[str]) -> str:
        return " ".join(f"{c:<{w}}" for c, w in zip(cells, widths, strict=True)).rstrip() + "\n"

    write(line([name for name, _width in TABLE_COLUMNS]))
    n = 0
    for row in rows:
        write(line(["" if row[i] is None else str(row[i]) for i in index]))
        n += 1
    write(f"({n} rows)\n")
    return n


def _write_csv(write: Write, rows: Iterable[Sequence[Any]]) -> int:
    # The web export's rules (formula-looking text neutralised), plain UTF-8 without the BOM.
    lines = csv_lines(selectors.DIFF_COLUMNS, (tuple("" if v is None else v for v in r) for r in rows))
    write(next(lines).removeprefix("\ufeff"))
    n = 0
    for text in lines:
        write(text)
        n += 1
    return n


def _write_json(write: Write, rows: Iterable[Sequence[Any]]) -> int:
    """A JSON array written one object a line (a national diff is not held in memory)."""
    write("[\n")
    n = 0
    for row in rows:
        write(("," if n else "") + to_json(dict(zip(selectors.DIFF_COLUMNS, row, strict=True))) + "\n")
        n += 1
    write("]\n")
    return n
