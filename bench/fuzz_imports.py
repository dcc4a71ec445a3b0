"""Seeded mutation fuzzer of the keyword and rankings importers on SQLite and PostgreSQL
(issue 11, item 3; issue 20 §2).

Keyword seeds are the keyword exports in ``../shared/data`` (their first 200 lines, as UTF-8
and re-encoded the way Ahrefs and Keyword Planner write them: UTF-16 with a BOM, tabs).
Rankings seeds (``bench/fuzz_seeds.py``) are a Search Console query+page export, an Ahrefs
Organic keywords export (UTF-16 TSV) and a Semrush Organic Positions export, written from
the shared keywords; their files also get nasty page URLs (NUL, 2,100-character hosts,
``javascript:``…). Each
fuzzed file applies 1-3 mutations chosen with a seeded ``random.Random``: byte flips and
inserts (NUL, CR, quotes, delimiters), deleted or duplicated ranges, truncation, huge or
negative or non-finite numbers, control characters and Markdown/formula text in keywords,
extra cells, unbalanced quotes, a 70,000-column header, a 200,000-character cell, other
encodings and delimiters, swapped headers, random gibberish rows, binary junk.

Every keyword file is imported with :func:`services.projects.imports.import_keywords`, every
rankings file with :func:`services.site.api.import_rankings`, into a new project of each
database, and classified:

* ``success`` — a report, and the project holds exactly ``report.rows_imported`` rows
  (keyword metrics; page-query rows for rankings);
* ``clean_error`` — a :class:`~services.core.errors.ClusterPlannerError` (incl. the
  "mostly not search queries" confirmation) with a message of at most 300 characters and
  no row written;
* ``crash`` — any other exception (the file is saved under
  ``.local/devdata/fuzz_crashes/`` to reproduce it);
* ``partial_write`` — rows written although the import failed, or a row count that
  differs from the report.

``db_mismatch`` counts files whose outcome (class and rows imported) differs between the
two databases. Goal: 0 crashes, 0 partial writes, 0 mismatches.

PostgreSQL: a database of its own (default
``postgresql://postgres@127.0.0.1:5432/fuzz_imports``, created when missing; override with
``--pg-url``), so a run never touches the shared test database.

Run: ``python bench/fuzz_imports.py [--files 1200] [--rankings-files 300] [--seed 11]
[--db both|sqlite|postgresql]``. The last line is JSON, e.g. ``{"files": 1200,
"rankings_files": 300, "seed": 11, "sqlite_success": …, "sqlite_crash": 0, …,
"sqlite_rankings_success": …, "sqlite_rankings_crash": 0, …, "db_mismatch": 0,
"seconds": …}`` (the unprefixed counts are the keyword files).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import string
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sqlalchemy import delete, func, select  # noqa: E402

from db.models import CrawledPage, KeywordMetric, Project  # noqa: E402
from db.models.rankings import PageRanking  # noqa: E402
from db.session import init_db, session_scope  # noqa: E402
from services.core.errors import ClusterPlannerError  # noqa: E402
from services.projects.imports import import_keywords  # noqa: E402
from services.projects.imports.decode import MESSAGE_LIMIT  # noqa: E402
from services.site.api import import_rankings  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fuzz_seeds import NASTY_URLS, rankings_seeds  # noqa: E402

DATA = REPO.parent / "shared" / "data"
CRASHES = REPO / ".local" / "devdata" / "fuzz_crashes"
SEED_LINES = 200
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/fuzz_imports"

Mutator = Callable[[random.Random, bytes], bytes]


# --------------------------------------------------------------------------- seeds


def seed_files() -> list[tuple[str, bytes]]:
    """The shared exports' first lines, as shipped and re-encoded like Ahrefs/Keyword Planner."""
    seeds: list[tuple[str, bytes]] = []
    for path in sorted(DATA.rglob("*.csv")):
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-16") if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else raw.decode()
        except UnicodeDecodeError:
            continue
        head = "\n".join(text.lstrip("\ufeff").splitlines()[:SEED_LINES]) + "\n"
        seeds.append((path.name, head.encode("utf-8")))
        seeds.append((path.name + ".utf16", ("\ufeff" + head).encode("utf-16-le")))
        if "\t" not in head.splitlines()[0]:
            tabbed = "\n".join(line.replace(",", "\t") for line in head.splitlines()) + "\n"
            seeds.append((path.name + ".tsv", ("\ufeff" + tabbed).encode("utf-16-le")))
    return seeds


# --------------------------------------------------------------------------- mutators

NASTY_NUMBERS = [
    "10000000000000000000",
    "3000000000",
    "2147483648",
    "-5",
    "1e400",
    "-1e400",
    "nan",
    "inf",
    "9" * 60,
    "1,2,3",
    "0x1F",
    "١٢٣",
    "1.000.000.000.000",
    "½",
]
NASTY_KEYWORDS = [
    "sh\x00oes",
    "bo\x1bots\x07",
    "![p](http://127.0.0.1:9/x.png)",
    '=HYPERLINK("http://x","y")',
    "@SUM(1)",
    "\u202etxt.exe",
    "zero\u200bwidth",
    "x" * 1_500,
    "",
    "   ",
    "\ud7ff\ue000",
    "🦄 unicorn shoes",
    "<script>alert(1)</script>",
]


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def flip_bytes(rng: random.Random, data: bytes) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 12)):
        if buf:
            buf[rng.randrange(len(buf))] = rng.randrange(256)
    return bytes(buf)


def insert_bytes(rng: random.Random, data: bytes) -> bytes:
    pool = [b"\x00", b"\r", b'"', b",", b"\t", b";", b"\n", b"\xff", b"\xfe\xff", b"\\"]
    buf = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        at = rng.randrange(len(buf) + 1)
        buf[at:at] = rng.choice(pool)
    return bytes(buf)


def delete_range(rng: random.Random, data: bytes) -> bytes:
    if len(data) < 2:
        return data
    start = rng.randrange(len(data))
    return data[:start] + data[start + rng.randint(1, max(1, len(data) // 10)) :]


def duplicate_lines(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    for _ in range(rng.randint(1, 20)):
        lines.insert(rng.randrange(len(lines) + 1), rng.choice(lines))
    return b"\n".join(lines)


def truncate(rng: random.Random, data: bytes) -> bytes:
    return data[: rng.randrange(len(data) + 1)]


def _edit_cells(rng: random.Random, data: bytes, values: list[str], column: int | None) -> bytes:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return data
    lines = text.split("\n")
    for _ in range(rng.randint(1, 10)):
        if len(lines) < 2:
            break
        i = rng.randrange(1, len(lines))
        cells = lines[i].split(",")
        j = column if column is not None and column < len(cells) else rng.randrange(len(cells))
        cells[j] = rng.choice(values)
        lines[i] = ",".join(cells)
    return "\n".join(lines).encode("utf-8", "surrogatepass")


def nasty_numbers(rng: random.Random, data: bytes) -> bytes:
    return _edit_cells(rng, data, NASTY_NUMBERS, None)


def nasty_keywords(rng: random.Random, data: bytes) -> bytes:
    return _edit_cells(rng, data, NASTY_KEYWORDS, 0)


def nasty_urls(rng: random.Random, data: bytes) -> bytes:
    return _edit_cells(rng, data, NASTY_URLS, None)


def extra_cells(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    for _ in range(rng.randint(1, max(1, len(lines) // 2))):
        i = rng.randrange(len(lines))
        lines[i] += b",extra" * rng.randint(1, 4)
    return b"\n".join(lines)


def unbalanced_quote(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    i = rng.randrange(len(lines))
    lines[i] = b'"' + lines[i]
    return b"\n".join(lines)


def wide_header(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    extra = ",".join(f"c{i}" for i in range(rng.choice([2_000, 70_000])))
    lines[0] = lines[0] + b"," + extra.encode()
    return b"\n".join(lines)


def giant_cell(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    i = rng.randrange(1, max(2, len(lines)))
    cell = rng.choice([b"a", b"keyword ", b"\xc3\xa9"]) * rng.choice([140_000, 200_000])
    if i < len(lines):
        lines[i] = cell + b"," + lines[i]
    return b"\n".join(lines)


def reencode(rng: random.Random, data: bytes) -> bytes:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return data
    encoding = rng.choice(["utf-16-le", "utf-16-be", "latin-1", "cp1252", "utf-32", "utf-8-sig"])
    return text.encode(encoding, errors="replace")


def swap_delimiter(rng: random.Random, data: bytes) -> bytes:
    return data.replace(b",", rng.choice([b";", b"|", b"\t", b" "]))


def swap_header(rng: random.Random, data: bytes) -> bytes:
    headers = [
        b"Keyword,Volume,Keyword Difficulty,CPC (USD),Competitive Density",
        b"Keyword\tCurrency\tAvg. monthly searches\tCompetition\tCompetition (indexed value)",
        b"Top queries,Clicks,Impressions,CTR,Position",
        b"Keyword,Country,Difficulty,Volume,CPC,CPS,Parent Keyword",
        b"Foo,Bar,Baz",
        b"",
    ]
    lines = _lines(data)
    lines[0] = rng.choice(headers)
    return b"\n".join(lines)


def gibberish(rng: random.Random, data: bytes) -> bytes:
    alphabet = rng.choice([string.ascii_letters + string.digits, string.printable[:94]])
    rows = [
        ",".join(
            [
                "".join(rng.choice(alphabet).replace(",", "x") for _ in range(rng.randint(4, 24))),
                str(rng.randint(0, 10**6)),
                str(rng.randint(0, 100)),
            ]
        )
        for _ in range(rng.randint(20, 400))
    ]
    return ("Keyword,Volume,Keyword Difficulty\n" + "\n".join(rows) + "\n").encode()


def binary_junk(rng: random.Random, data: bytes) -> bytes:
    prefix = rng.choice([b"", b"PK\x03\x04", b"%PDF-1.4", b"\x1f\x8b", b"\x00\x00\xfe\xff"])
    return prefix + bytes(rng.randrange(256) for _ in range(rng.randint(0, 4_000)))


def bare_cr(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    for _ in range(rng.randint(1, 5)):
        i = rng.randrange(len(lines))
        if lines[i]:
            at = rng.randrange(len(lines[i]))
            lines[i] = lines[i][:at] + b"\r" + lines[i][at:]
    return b"\n".join(lines)


MUTATORS: list[Mutator] = [
    flip_bytes,
    insert_bytes,
    delete_range,
    duplicate_lines,
    truncate,
    nasty_numbers,
    nasty_numbers,
    nasty_keywords,
    nasty_keywords,
    extra_cells,
    unbalanced_quote,
    wide_header,
    giant_cell,
    reencode,
    swap_delimiter,
    swap_header,
    gibberish,
    binary_junk,
    bare_cr,
]


def fuzzed_files(count: int, seed: int, *, rankings: bool = False) -> list[tuple[str, bytes]]:
    """``count`` mutated files, the same for the same seed (rankings shapes: ``rankings``)."""
    rng = random.Random(seed)
    seeds = rankings_seeds(DATA, seed) if rankings else seed_files()
    mutators = MUTATORS + [nasty_urls, nasty_urls] if rankings else MUTATORS
    files = []
    for i in range(count):
        name, data = rng.choice(seeds)
        applied = rng.sample(mutators, rng.randint(1, 3))
        for mutate in applied:
            data = mutate(rng, data)
        label = "+".join(m.__name__ for m in applied)
        files.append((f"{i:04d}-{label}-{name}", data))
    return files


# --------------------------------------------------------------------------- running


def _pg_engine(url: str, key_file: Path):
    """Engine on a database of its own, created when missing, schema rebuilt."""
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")
    return init_db(url, secret_key=None, key_file=key_file)


def _rows(engine, project_id, table=KeywordMetric) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(select(func.count()).where(table.project_id == project_id)).scalar_one()
        )


def run_one(engine, name: str, data: bytes, *, rankings: bool = False) -> tuple[str, int, str]:
    """(outcome, rows imported, detail) of one import into a new project.

    Keyword files: rows = keyword metrics. Rankings files: rows = page-query rows, and a clean
    error must leave nothing at all (rows, pages, keywords).
    """
    with session_scope(engine) as s:
        project = Project(name=f"fuzz {name[:80]}")
        s.add(project)
        s.flush()
        pid = project.id
    importer = import_rankings if rankings else import_keywords
    stored = PageRanking if rankings else KeywordMetric
    touched = (PageRanking, CrawledPage, KeywordMetric) if rankings else (KeywordMetric,)
    try:
        try:
            report = importer(engine, pid, data, name)
        except ClusterPlannerError as exc:
            written = sum(_rows(engine, pid, t) for t in touched)
            if written:
                return "partial_write", written, f"{type(exc).__name__}: {exc}"
            if len(str(exc)) > MESSAGE_LIMIT:
                return "long_message", 0, str(exc)[:200]
            return "clean_error", 0, type(exc).__name__
        except Exception as exc:  # noqa: BLE001 - the fuzzer's whole point: record any crash
            return (
                "crash",
                _rows(engine, pid, stored),
                "".join(traceback.format_exception_only(type(exc), exc)).strip()[:300],
            )
        written = _rows(engine, pid, stored)
        if written != report.rows_imported:
            return "partial_write", written, f"report says {report.rows_imported}"
        return "success", written, report.tool
    finally:
        with engine.begin() as conn:
            for table in (PageRanking, CrawledPage, KeywordMetric):
                conn.execute(delete(table).where(table.project_id == pid))
            conn.execute(delete(Project).where(Project.id == pid))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=400)
    parser.add_argument("--rankings-files", type=int, default=150)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--db", choices=["both", "sqlite", "postgresql"], default="both")
    parser.add_argument("--pg-url", default=DEFAULT_PG)
    args = parser.parse_args()

    started = time.perf_counter()
    files = fuzzed_files(args.files, args.seed)
    files += [
        (f"rankings:{name}", data)
        for name, data in fuzzed_files(args.rankings_files, args.seed, rankings=True)
    ]
    outcomes: dict[str, dict[str, tuple[str, int, str]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        engines = {}
        if args.db in ("both", "sqlite"):
            engines["sqlite"] = init_db(
                f"sqlite:///{Path(tmp) / 'fuzz.db'}", secret_key=None, key_file=Path(tmp) / "k"
            )
        if args.db in ("both", "postgresql"):
            engines["postgresql"] = _pg_engine(args.pg_url, Path(tmp) / "k")
        for db_name, engine in engines.items():
            results = outcomes.setdefault(db_name, {})
            for name, data in files:
                rankings = name.startswith("rankings:")
                results[name] = run_one(engine, name, data, rankings=rankings)
    summary: dict[str, object] = {
        "files": args.files,
        "rankings_files": args.rankings_files,
        "seed": args.seed,
    }
    crashes: Counter[str] = Counter()
    for db_name, results in outcomes.items():
        for kind in ("", "rankings_"):
            counts = Counter(
                outcome
                for name, (outcome, _, _) in results.items()
                if name.startswith("rankings:") == bool(kind)
            )
            for outcome in ("success", "clean_error", "crash", "partial_write", "long_message"):
                summary[f"{db_name}_{kind}{outcome}"] = counts.get(outcome, 0)
        for name, (outcome, _, detail) in results.items():
            if outcome in ("crash", "partial_write", "long_message"):
                crashes[f"{db_name} {outcome}: {detail.splitlines()[-1][:160]}"] += 1
                CRASHES.mkdir(parents=True, exist_ok=True)
                data = dict(files)[name]
                digest = hashlib.sha1(data).hexdigest()[:10]
                (CRASHES / f"{db_name}-{outcome}-{digest}.bin").write_bytes(data)
    mismatch = 0
    if len(outcomes) == 2:
        sqlite_results, pg_results = outcomes["sqlite"], outcomes["postgresql"]
        for name in sqlite_results:
            a, b = sqlite_results[name], pg_results[name]
            if (a[0], a[1]) != (b[0], b[1]):
                mismatch += 1
                crashes[f"mismatch: sqlite {a[:2]} vs postgresql {b[:2]} ({name[:60]})"] += 1
        summary["db_mismatch"] = mismatch
    summary["seconds"] = round(time.perf_counter() - started, 1)

    print(f"{'database':<22}{'success':>9}{'clean error':>13}{'crash':>7}{'partial':>9}")
    for db_name in outcomes:
        for kind in ("", "rankings_"):
            key = f"{db_name}_{kind}"
            print(
                f"{db_name + ' ' + (kind or 'keywords_')[:-1]:<22}{summary[key + 'success']:>9}"
                f"{summary[key + 'clean_error']:>13}{summary[key + 'crash']:>7}"
                f"{summary[key + 'partial_write']:>9}"
            )
    for line, count in crashes.most_common(20):
        print(f"  {count:>4} × {line}")
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
