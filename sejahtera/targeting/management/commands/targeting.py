"""sejahtera targeting models | load FILE.json | activate VERSION | retire VERSION | score N | deciles N"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sejahtera.common.errors import DomainError
from sejahtera.targeting import scoring, selectors, services
from sejahtera.targeting.models import ScoringModel
from sejahtera.updates.management.commands._cli import actor, add_user_argument, to_json

MODEL_FIELDS = ("version", "name", "legal_source", "effective_from", "description")


def _model_summary(m: ScoringModel) -> dict[str, Any]:
    return {
        "version": m.version,
        "name": m.name,
        "status": m.status,
        "effective_from": m.effective_from,
        "legal_source": m.legal_source,
        "created_by": m.created_by.get_username() if m.created_by else None,
        "activated_by": m.activated_by.get_username() if m.activated_by else None,
    }


class Command(BaseCommand):
    help = (
        "Targeting: list the scoring model versions, load a new one from JSON, activate it (someone other "
        "than who loaded it: pass --user for one of the two), retire one, score a draft release, show a "
        "release's deciles."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        models = sub.add_parser("models", help="Every version, newest effective date first.")
        models.add_argument("--json", action="store_true")

        load = sub.add_parser(
            "load",
            help=(
                "Create a draft version from a JSON file: either the weights document itself or "
                '{"version", "name", "legal_source", "effective_from", "description", "weights"}; '
                "options override the file."
            ),
        )
        load.add_argument("file", type=Path)
        load.add_argument("--version", dest="model_version")
        load.add_argument("--name")
        load.add_argument("--legal-source")
        load.add_argument("--effective-from", help="YYYY-MM-DD")
        load.add_argument("--description")
        add_user_argument(load)

        activate = sub.add_parser("activate", help="Put a draft version in force from its effective date.")
        activate.add_argument("version")
        add_user_argument(activate)

        retire = sub.add_parser("retire", help="Take a version out of force.")
        retire.add_argument("version")
        retire.add_argument("--reason", required=True)
        add_user_argument(retire)

        score = sub.add_parser(
            "score", help="Score release N (a draft not yet scored) with the version in force."
        )
        score.add_argument("number", type=int)
        score.add_argument(
            "--model", help="This version instead of the one in force for the release's period."
        )
        add_user_argument(score)

        deciles = sub.add_parser(
            "deciles", help="Households per decile in release N, per region one level down."
        )
        deciles.add_argument("number", type=int)
        deciles.add_argument("--region", default="", help="Region code (2, 4, 6 or 10 digits).")
        deciles.add_argument("--basis", choices=tuple(selectors.BASIS_FIELDS), default="national")
        deciles.add_argument("--json", action="store_true")
        add_user_argument(deciles)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except scoring.WeightsInvalid as exc:
            raise CommandError("weights refused:\n  " + "\n  ".join(exc.errors)) from exc
        except DomainError as exc:
            raise CommandError(exc.message) from exc

    # --- versions -----------------------------------------------------------------------------------
    def _models(self, options: dict[str, Any]) -> None:
        models = selectors.scoring_model_list(user=actor(None))
        if options["json"]:
            self.stdout.write(to_json([_model_summary(m) for m in models]))
            return
        self.stdout.write(f"{'version':<16} {'status':<8} {'effective':<10}  name / source")
        for m in models:
            self.stdout.write(
                f"{m.version:<16} {m.status:<8} {m.effective_from.isoformat():<10}  {m.name} / {m.legal_source}"
            )

    def _load(self, options: dict[str, Any]) -> None:
        user = actor(options.get("user"))
        try:
            document = json.loads(options["file"].read_text(encoding="utf-8-sig"))
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"{options['file']}: {exc}") from exc
        except json.JSONDecodeError as exc:
            raise CommandError(
                f"{options['file']}: not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
            ) from exc
        fields: dict[str, Any] = {}
        weights = document
        if isinstance(document, dict) and "weights" in document:
            weights = document["weights"]
            fields = {k: document[k] for k in MODEL_FIELDS if k in document}
        overrides = {
            "version": options.get("model_version"),
            "name": options.get("name"),
            "legal_source": options.get("legal_source"),
            "effective_from": options.get("effective_from"),
            "description": options.get("description"),
        }
        fields |= {k: v for k, v in overrides.items() if v is not None}
        missing = [k for k in ("version", "name", "legal_source", "effective_from") if not fields.get(k)]
        if missing:
            raise CommandError(
                f"missing {', '.join(missing)} (in the file or as --{missing[0].replace('_', '-')})"
            )
        try:
            effective = dt.date.fromisoformat(str(fields["effective_from"]))
        except ValueError as exc:
            raise CommandError(f"effective_from {fields['effective_from']!r}: expected YYYY-MM-DD") from exc
        model = services.scoring_model_create(
            actor=user,
            version=str(fields["version"]),
            name=str(fields["name"]),
            legal_source=str(fields["legal_source"]),
            description=str(fields.get("description") or ""),
            weights=weights,
            effective_from=effective,
        )
        self.stdout.write(
            f"version {model.version} loaded as a draft ({len(scoring.parse_weights(weights).terms)} terms); "
            "another member of the central data team activates it"
        )

    def _activate(self, options: dict[str, Any]) -> None:
        user = actor(options.get("user"))
        model = selectors.scoring_model_by_version(user=user, version=options["version"])
        services.scoring_model_activate(actor=user, model_id=model.pk)
        self.stdout.write(f"version {model.version} in force from {model.effective_from.isoformat()}")

    def _retire(self, options: dict[str, Any]) -> None:
        user = actor(options.get("user"))
        model = selectors.scoring_model_by_version(user=user, version=options["version"])
        services.scoring_model_retire(actor=user, model_id=model.pk, reason=options["reason"])
        self.stdout.write(f"version {model.version} retired")

    # --- releases ----------------------------------------------------------------------------------------
    def _score(self, options: dict[str, Any]) -> None:
        user = actor(options.get("user"))
        release = selectors.release_for_targeting(user=user, number=options["number"])
        model = None
        if options.get("model"):
            model = selectors.scoring_model_by_version(user=user, version=options["model"])
        self.stderr.write(f"scoring release {release.number} ({release.households} households) ...")
        sys.stderr.flush()
        result = services.score_release(release, model=model, actor=user)
        self.stdout.write(
            f"release {release.number} scored: {result.households} households with {result.model.version} "
            f"in {result.seconds} s"
        )

    def _deciles(self, options: dict[str, Any]) -> None:
        user = actor(options.get("user"))
        region = options["region"]
        if region and not (region.isdigit() and len(region) in (2, 4, 6, 10)):
            raise CommandError(f"--region {region!r}: a region code of 2, 4, 6 or 10 digits")
        release = selectors.release_for_targeting(user=user, number=options["number"])
        scored = selectors.release_scoring(release)
        if scored is None:
            raise CommandError(f"release {release.number} has no scores")
        dist = selectors.decile_distribution(
            user=user, release=release, region=region, basis=options["basis"]
        )
        if options["json"]:
            self.stdout.write(
                to_json(
                    {
                        "release": release.number,
                        "model": scored.model.version,
                        "region": dist.region,
                        "basis": dist.basis,
                        "total": dist.total,
                        "deciles": {str(d): n for d, n in zip(selectors.DECILES, dist.counts, strict=True)},
                        "regions": [
                            {"code": r.code, "total": r.total, "deciles": list(r.counts)}
                            for r in dist.regions
                        ],
                    }
                )
            )
            return
        self.stdout.write(
            f"release {release.number}, model {scored.model.version}, region {dist.region or 'national'}, "
            f"{dist.basis} deciles, {dist.total} households"
        )
        self.stdout.write(f"{'decile':>6} {'households':>11} {'share':>7}")
        for d, n, share in zip(selectors.DECILES, dist.counts, dist.shares, strict=True):
            self.stdout.write(f"{d:>6} {n:>11} {share:>6.1f}%")
        if dist.regions:
            self.stdout.write("")
            self.stdout.write(
                f"{'region':<10} " + " ".join(f"{d:>6}" for d in selectors.DECILES) + f" {'total':>8}"
            )
            for r in dist.regions:
                self.stdout.write(f"{r.code:<10} " + " ".join(f"{n:>6}" for n in r.counts) + f" {r.total:>8}")
