"""Seed files of the rankings formats for ``bench/fuzz_imports.py`` (no third-party data).

Three shapes, 200 rows each, with real keyword text from the shared Semrush export
(``shared/data/semrush-wordpress``) and page URLs, positions and counts drawn from a seeded
``random.Random``:

- Search Console query + page (API / Looker Studio shape, UTF-8 CSV with a Date column);
- Ahrefs "Organic keywords" (UTF-16 LE with BOM, tab-separated, every cell quoted);
- Semrush "Organic Positions" (UTF-8 CSV).
"""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

ROWS = 200
SEMRUSH_HEADER = (
    "Keyword,Position,Previous position,Search Volume,Keyword Difficulty,CPC,URL,Traffic,"
    "Traffic (%),Traffic Cost,Competition,Number of Results,Trends,Timestamp,"
    "SERP Features by Keyword,Keyword Intents,Position Type"
)
AHREFS_HEADER = [
    "Keyword",
    "Country code",
    "Volume",
    "Organic traffic",
    "Current position",
    "Current URL",
    "Updated",
]
#: Cells a fuzzer puts in URL columns.
NASTY_URLS = [
    "https://www.example.com/a\x00b",
    "javascript:alert(1)",
    "https://" + "x" * 2_100 + ".com/",
    "https://www.example.com/" + "é" * 300,
    "//www.example.com/no-scheme",
    "http://[::1/broken",
    "",
]


def _keywords(data: Path, rng: random.Random) -> list[str]:
    path = data / "semrush-wordpress" / "wordpress_broad-match_us_2026-04-24.csv"
    with path.open(encoding="utf-8") as handle:
        words = [row["Keyword"] for row in csv.DictReader(handle)]
    return rng.sample(words, min(ROWS, len(words)))


def _slug(keyword: str) -> str:
    return "-".join(keyword.split())[:60]


def rankings_seeds(data: Path, seed: int = 20) -> list[tuple[str, bytes]]:
    """``(name, bytes)`` of the three rankings shapes (the same for the same seed)."""
    rng = random.Random(seed)
    keywords = _keywords(data, rng)
    pages = [f"https://www.example.com/blog/{_slug(k)}" for k in keywords]
    gsc = io.StringIO()
    gsc.write("Query,Page,Clicks,Impressions,CTR,Position,Date\n")
    for kw, url in zip(keywords, pages, strict=True):
        impressions = rng.randint(1, 50_000)
        clicks = rng.randint(0, impressions // 5)
        gsc.write(
            f"{kw},{url},{clicks},{impressions},{clicks / impressions:.2%},"
            f"{rng.uniform(1, 60):.1f},2026-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}\n"
        )
    semrush = [SEMRUSH_HEADER]
    for kw, url in zip(keywords, pages, strict=True):
        semrush.append(
            f"{kw},{rng.randint(1, 100)},{rng.randint(1, 100)},{rng.randint(10, 90_000)},"
            f"{rng.randint(0, 100)},{rng.uniform(0, 9):.2f},{url},{rng.randint(0, 900)},0.5,"
            f'10.0,0.{rng.randint(0, 99)},1000,"[1,2]",2026-04-2{rng.randint(0, 9)},'
            '"Sitelinks, Video","informational",Organic'
        )
    ahrefs = ["\t".join(f'"{c}"' for c in AHREFS_HEADER)]
    for kw, url in zip(keywords, pages, strict=True):
        cells = [kw, "US", rng.randint(10, 90_000), rng.randint(0, 900), rng.randint(1, 100)]
        cells += [url, "2026-04-20"]
        ahrefs.append("\t".join(f'"{c}"' for c in cells))
    return [
        ("rankings-gsc.csv", gsc.getvalue().encode("utf-8")),
        ("rankings-semrush.csv", ("\n".join(semrush) + "\n").encode("utf-8")),
        (
            "rankings-ahrefs.tsv",
            "\ufeff".encode("utf-16-le") + ("\n".join(ahrefs) + "\n").encode("utf-16-le"),
        ),
    ]
