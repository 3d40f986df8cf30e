"""Address search and reverse geocoding, in-process, over a Rhône-sized index (~450,000
addresses in BAN's CSV shape over ~290 communes): the selectors the API and the report form
call, and the API door through Django's test client; p95 against the target (50 ms).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/guichet_address_bench \\
        RATE_LIMITS_ENABLED=false .venv/bin/python bench/addresses.py

It migrates the database, writes a generated ``adresses-69.csv`` (deterministic) and imports
it with ``addresses_import`` (timed: the import itself is measured) unless the department
already holds the volume, then times a mix of partial typings (what the autocomplete sends,
keystroke after keystroke), whole addresses, and reverse lookups around addresses.
Results: ``bench/results/2026-12-05-addresses-rhone-<database>.json`` (``--out`` to change).
"""

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from bench.common import Machine, django_setup, percentiles, result_write, timed_calls  # noqa: E402

django_setup(RATE_LIMITS_ENABLED="false")

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

HEADER = (
    "id;id_fantoir;numero;rep;nom_voie;code_postal;code_insee;nom_commune;"
    "code_insee_ancienne_commune;nom_ancienne_commune;x;y;lon;lat;type_position;alias;nom_ld;"
    "libelle_acheminement;nom_afnor;source_position;source_nom_voie;certification_commune;"
    "cad_parcelles"
)
# Real communes of the Rhône (most addresses), then generated names for the rest.
BIG = [
    ("69266", "Villeurbanne", "69100", 22000),
    ("69259", "Vénissieux", "69200", 9000),
    ("69256", "Vaulx-en-Velin", "69120", 7000),
    ("69290", "Saint-Priest", "69800", 7000),
    ("69034", "Caluire-et-Cuire", "69300", 7000),
    ("69029", "Bron", "69500", 6000),
    ("69264", "Villefranche-sur-Saône", "69400", 6000),
    ("69149", "Oullins", "69600", 4500),
    ("69204", "Saint-Genis-Laval", "69230", 4500),
    ("69199", "Sainte-Foy-lès-Lyon", "69110", 4000),
    ("69081", "Écully", "69130", 3500),
    ("69072", "Dardilly", "69570", 2500),
    ("69244", "Tassin-la-Demi-Lune", "69160", 4000),
    ("69091", "Givors", "69700", 4000),
    ("69152", "Pierre-Bénite", "69310", 2500),
]
LYON = [
    (f"6938{n}", f"Lyon {n}{'er' if n == 1 else 'e'} Arrondissement", f"6900{n}")
    for n in range(1, 10)
]
TYPES = ["Rue", "Rue", "Rue", "Avenue", "Chemin", "Impasse", "Place", "Allée", "Route",
         "Boulevard", "Montée", "Quai", "Cours", "Passage", "Square"]  # fmt: skip
NAMES = [
    "de la République", "Victor Hugo", "Jean Jaurès", "des Écoles", "de l'Église", "du Stade",
    "Pasteur", "Gambetta", "de la Gare", "des Lilas", "de la Mairie", "du Moulin", "Voltaire",
    "Émile Zola", "Anatole France", "de la Paix", "des Acacias", "du Général de Gaulle",
    "de la Liberté", "des Tilleuls", "du 8 Mai 1945", "Jules Ferry", "Pierre Curie",
    "Marcel Pagnol", "des Vignes", "du Lavoir", "de la Fontaine", "des Platanes",
    "Édouard Herriot", "Paul Bert", "Carnot", "Louis Pasteur", "des Cerisiers",
    "du Château", "de Verdun", "Jean Moulin", "de la Poste", "des Roses", "du Bourg",
    "de Bellevue", "des Prés", "de la Croix", "Saint-Jean", "Saint-Martin", "des Chênes",
    "du Parc", "de la Source", "Garibaldi", "Lafayette", "Marietton", "Pierre Sémard",
    "Francis de Pressensé", "Roger Salengro", "Danton", "Condorcet", "de Tourvielle",
    "du Plateau", "des Mûriers", "Berthelot", "Ampère", "Molière", "Racine", "Lamartine",
    "de la Soie", "du Rhône", "de la Saône", "des Canuts", "Tronchet", "Bugeaud",
]  # fmt: skip
SYLLABLES = ["char", "mont", "bel", "vil", "la", "ter", "ney", "sou", "cour", "ron", "san",
             "gre", "zieu", "ver", "lo", "tas", "bri", "ney", "pol", "mar"]  # fmt: skip


def communes(rng: random.Random, total: int) -> list[tuple[str, str, str, int]]:
    chosen = list(BIG) + [(insee, name, pc, 6500) for insee, name, pc in LYON]
    used = {c[0] for c in chosen}
    left = total - sum(c[3] for c in chosen)
    code = 1
    small = []
    while len(small) < 265:
        insee = f"69{code:03d}"
        code += 1
        if insee in used or insee == "69123":
            continue
        name = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
        if rng.random() < 0.3:
            name = f"Saint-{name}"
        small.append((insee, name, f"69{rng.randint(100, 899)}"))
    weights = [rng.uniform(0.3, 2.0) for _ in small]
    scale = left / sum(weights)
    chosen += [
        (i, n, p, max(60, int(w * scale))) for (i, n, p), w in zip(small, weights, strict=True)
    ]
    return chosen


def write_csv(path: Path, total: int) -> int:
    rng = random.Random(69)
    rows = 0
    with path.open("w", encoding="utf-8") as out:
        out.write(HEADER + "\n")
        for insee, commune, postcode, count in communes(rng, total):
            lat0, lon0 = rng.uniform(45.5, 46.2), rng.uniform(4.3, 4.95)
            street_no = 0
            made = 0
            while made < count:
                street_no += 1
                name = f"{rng.choice(TYPES)} {rng.choice(NAMES)}"
                numbers = min(count - made, max(1, int(rng.expovariate(1 / 18))))
                slat, slon = lat0 + rng.uniform(-0.02, 0.02), lon0 + rng.uniform(-0.03, 0.03)
                dlat, dlon = rng.uniform(-0.0001, 0.0001), rng.uniform(-0.0001, 0.0001)
                fantoir = f"{street_no:04d}"
                for n in range(1, numbers + 1):
                    rep = "bis" if rng.random() < 0.02 else ""
                    ban_id = f"{insee}_{fantoir}_{n:05d}" + (f"_{rep}" if rep else "")
                    lat, lon = slat + dlat * n, slon + dlon * n
                    out.write(
                        f"{ban_id};{insee}_{fantoir};{n};{rep};{name};{postcode};{insee};"
                        f"{commune};;;;;{lon:.6f};{lat:.6f};entrée;;;{commune.upper()};;"
                        "cadastre;cadastre;1;\n"
                    )
                    rows += 1
                made += numbers
    return rows


def typings(address: str, rng: random.Random) -> list[str]:
    """What the autocomplete sends while ``address`` is typed (from 3 characters, a request
    at a pause every few keystrokes), and the whole address."""
    cuts = sorted({rng.randint(3, len(address)) for _ in range(4)} | {len(address)})
    return [address[:cut] for cut in cuts if address[:cut].strip()]


def timed(function, items) -> dict:
    samples = timed_calls(function, items).wall
    return {
        **percentiles(samples, keys=("p50", "p95", "p99", "max"), digits=2),
        "count": len(samples),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--addresses", type=int, default=450_000)
    parser.add_argument("--queries", type=int, default=400, help="addresses typed")
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    machine = Machine.now()
    call_command("migrate", verbosity=0)
    from guichet.territory.models import Address, AddressStreet
    from guichet.territory.selectors import address_nearest, addresses_search
    from guichet.territory.services import addresses_import

    result: dict = {"database": connection.vendor, "volume": {}}
    if Address.objects.filter(department="69").count() < args.addresses * 0.95:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "adresses-69.csv"
            rows = write_csv(path, args.addresses)
            start = time.perf_counter()
            with path.open(encoding="utf-8", newline="") as lines:
                imported = addresses_import(department="69", lines=lines)
            result["import"] = {
                "rows": rows,
                "written": imported.written,
                "seconds": round(time.perf_counter() - start, 1),
            }
        if connection.vendor == "postgresql":
            # What autovacuum does after a load on a live database (statistics, and the
            # visibility map the words' index-only scans need): this machine runs without it.
            with connection.cursor() as cursor:
                cursor.execute("VACUUM (ANALYZE) territory_address")
                cursor.execute("VACUUM (ANALYZE) territory_addressstreet")
                cursor.execute("VACUUM (ANALYZE) territory_addressstreetword")
    result["volume"] = {
        "addresses": Address.objects.count(),
        "streets": AddressStreet.objects.count(),
    }
    rng = random.Random(7)
    ids = list(Address.objects.values_list("pk", flat=True))
    sample = list(
        Address.objects.filter(pk__in=rng.sample(ids, args.queries)).select_related("street")
    )
    queries = []
    for address in sample:
        street = address.street
        commune = street.commune_name.split(" ")[0]
        forms = [
            f"{address.number} {street.name} {commune}",
            f"{street.name.lower()} {address.number} {street.postcode}",
            f"{commune} {street.name}",
        ]
        queries += typings(rng.choice(forms), rng)
    rng.shuffle(queries)
    # one warm-up pass, not timed (the first queries pay the connection and the cache)
    for text in queries[:50]:
        addresses_search(text=text, limit=8)
    result["search_selector"] = timed(lambda text: addresses_search(text=text, limit=8), queries)
    found = sum(1 for text in queries[-200:] if addresses_search(text=text, limit=8))
    result["search_found_share_last_200"] = round(found / 200, 2)
    points = [
        (a.lat + rng.uniform(-0.0005, 0.0005), a.lon + rng.uniform(-0.0007, 0.0007)) for a in sample
    ]
    result["reverse_selector"] = timed(lambda p: address_nearest(lat=p[0], lon=p[1]), points)

    from django.test import Client

    client = Client()
    result["search_api"] = timed(
        lambda text: client.get("/api/v1/addresses/search", {"q": text, "limit": 8}),
        queries[: len(queries) // 2],
    )
    result["reverse_api"] = timed(
        lambda p: client.get("/api/v1/addresses/reverse", {"lat": p[0], "lon": p[1]}), points
    )
    result["queries_sample"] = queries[:12]
    result["target_ms"] = {"search_p95": 50, "reverse_p95": 50}
    result["pass"] = (
        result["search_selector"]["p95_ms"] <= 50
        and result["search_api"]["p95_ms"] <= 50
        and result["reverse_api"]["p95_ms"] <= 50
    )
    machine.done()
    result["machine"] = {
        "loadavg_before": machine.load_before,
        "loadavg_after": machine.load_after,
        "cpus": machine.cpus,
        "note": "shared machine (other test suites on 2 cores): numbers are pessimistic",
    }
    label = f"2026-12-05-addresses-rhone-{connection.vendor}"
    out = result_write(result, label, path=Path(args.out) if args.out else None)
    print(json.dumps({k: v for k, v in result.items() if k != "queries_sample"}, indent=1))
    print(f"written {out}")


if __name__ == "__main__":
    main()
