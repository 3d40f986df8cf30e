import csv
import json

from django.core.management.base import BaseCommand, CommandError

from guichet.partnership.formatting import CONTRIBUTION_COLUMNS, json_amount, plain_amount
from guichet.partnership.selectors import NoBracket, UnknownTariffYear, contributions_for_year

AMOUNTS = {"base_eur", "discount_pct", "amount_eur"}


class Command(BaseCommand):
    help = "Participation financière annuelle de chaque commune partenaire (CSV ou JSON)."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--format", choices=["csv", "json"], default="csv")

    def handle(self, *args, year: int, format: str, **options):
        try:
            table = contributions_for_year(year)
        except (UnknownTariffYear, NoBracket) as exc:
            raise CommandError(str(exc), returncode=2) from exc
        rows = [row.as_export() for row in table.rows]
        total = {
            "insee": "TOTAL",
            "commune": "",
            "population": sum(r["population"] for r in rows),
            "bracket": "",
            "offer": "",
            "status": "",
            "base_eur": table.total_base_eur,
            "discount_pct": "",
            "amount_eur": table.total_eur,
        }
        if format == "json":
            out = [
                {k: json_amount(v) if k in AMOUNTS and v != "" else v for k, v in r.items()}
                for r in [*rows, total]
            ]
            self.stdout.write(json.dumps(out, ensure_ascii=False, indent=2))
            return
        writer = csv.DictWriter(self.stdout, fieldnames=CONTRIBUTION_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for r in [*rows, total]:
            writer.writerow(
                {k: plain_amount(v) if k in AMOUNTS and v != "" else v for k, v in r.items()}
            )
