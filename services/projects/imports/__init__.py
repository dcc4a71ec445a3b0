"""Keyword-export importer: Semrush, Ahrefs, Google Ads Keyword Planner, Search Console.

A user uploads the CSV/TSV file a tool exported and gets :class:`~db.models.KeywordMetric`
rows, with no configuration. Reading is done in stages, each by a well-kept library where
one exists:

1. **Encoding** — byte-order mark (UTF-8/16/32), else strict UTF-8, else
   ``charset_normalizer``. Workbooks (``.xlsx``/``.xls``) and binary files are refused.
2. **Header line** — the first of the first 30 lines that has a keyword column
   (Keyword Planner writes two preamble lines before it; Excel may write ``sep=,``).
3. **Dialect** — ``clevercsv`` on a sample from the header on (stdlib ``csv.Sniffer`` and
   the header line's own delimiter as fallbacks).
4. **Parsing** — ``pandas.read_csv`` (C engine: quoted cells with delimiters or line breaks,
   CRLF, rows with missing trailing cells); rows with *more* cells than the header are
   skipped and counted as ``"malformed row"``.
5. **Tool** — detected from the header names (see ``_SIGNATURES``), then each field is
   read from the tool's column as listed below.

Column mapping (header names are matched case- and whitespace-insensitively):

=================== ============================== ================================ ==========================
field (unit)        Semrush                        Ahrefs                           Keyword Planner / GSC
=================== ============================== ================================ ==========================
keyword             Keyword                        Keyword                          Keyword / Top queries
search_volume (/mo) Volume, Search Volume          Volume                           Avg. monthly searches [1]_
                                                                                    / Impressions [2]_
cpc (USD)           CPC (USD), CPC                 CPC                              mean of Top of page bid
                                                                                    (low/high range) [3]_
competition (0-1)   Competitive Density,           —                                Competition (indexed
                    Competition (already 0-1)                                       value) / 100
competition_level   —                              —                                Competition: Low/Medium/High
                                                                                    (also es/pt/it/de/fr/nl)
keyword_difficulty  Keyword Difficulty (0-100)     Difficulty, KD (0-100)           —
intent              Intent, Keyword Intents        Intents, or boolean columns      —
                    (labels or codes 0-3)          Informational … Local
serp_features       SERP Features                  SERP Features                    —
=================== ============================== ================================ ==========================

.. [1] Keyword Planner volumes may be exact ("1,300") or buckets ("1K – 10K",
   "10 – 100", "100K – 1M"). A bucket is stored as the **geometric mean of its bounds**,
   rounded (``sqrt(max(lo, 1) * hi)``: "1K – 10K" → 3,162, "10 – 100" → 32), because the
   buckets are log-spaced and the geometric mean is their central point on that scale.
   When "Avg. monthly searches" is empty the mean of the "Searches: Mon YYYY" columns is
   used; ``" --"`` and empty cells are ``None``.
.. [2] Search Console has no search volume: ``search_volume`` is the query's
   **Impressions** over the export's date range (GSC's default range is 3 months), i.e.
   how often the site was shown, not how often the query was searched.
.. [3] Only when the export's Currency column is USD (or absent); other currencies give
   ``None`` rather than a wrong dollar figure.

Keywords are normalised with :func:`services.core.text.normalize_keyword`. Rows whose keywords
collide after normalisation are merged: the row with the highest volume wins and its
missing metrics are filled from the other rows. Keywords longer than
:data:`MAX_KEYWORD_LENGTH` characters are skipped (``"keyword too long"``), blank ones too
(``"empty keyword"``). A metric that does not parse is stored as ``None``; it never skips
the row.
"""

from services.projects.imports.decode import decode_text
from services.projects.imports.detect import TOOLS, find_header, norm_header
from services.projects.imports.parse import (
    MAX_KEYWORD_LENGTH,
    OUTPUT_COLUMNS,
    ImportReport,
    parse_keyword_export,
)
from services.projects.imports.store import (
    CHUNK_SIZE,
    UNIVERSE_COLUMNS,
    import_keywords,
    load_keyword_universe,
    upsert_metrics,
    write_keywords,
)
from services.projects.imports.table import read_table

__all__ = [
    "CHUNK_SIZE",
    "MAX_KEYWORD_LENGTH",
    "OUTPUT_COLUMNS",
    "TOOLS",
    "UNIVERSE_COLUMNS",
    "ImportReport",
    "decode_text",
    "find_header",
    "norm_header",
    "read_table",
    "import_keywords",
    "load_keyword_universe",
    "parse_keyword_export",
    "upsert_metrics",
    "write_keywords",
]
