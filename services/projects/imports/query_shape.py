"""Does a keyword look like a search query? (the import guard against id/hash columns)

Used by the keyword importer to ask for confirmation when most rows of a file are not search
queries (:data:`services.projects.imports.parse.NON_QUERY_CONFIRM_SHARE`). Pure.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# What a search query is made of: letters, digits, spaces and the punctuation queries use.
_QUERY_ODD_CHAR = r"[^\w\s'’.,&+/:#%$€£\-]"
# Three letter/digit switches in one token ("a8kd0qz1"): an id or hash, not a word.
_QUERY_ID_TOKEN = r"(?:[a-z]\d|\d[a-z])\S*(?:[a-z]\d|\d[a-z])\S*(?:[a-z]\d|\d[a-z])"
# Six consonants in a row (y counts as a vowel): random letters, not a word of a Latin-script
# language (English peaks at five, "lengths").
_QUERY_CONSONANT_RUN = r"[bcdfghjklmnpqrstvwxz]{6,}"
# Letter pairs seen fewer than 3 times in 40,000 real English keywords (Semrush exports of
# the team) and never in the Spanish Keyword Planner export: two of them in one keyword
# mark random letters ("qzvk"), not words.
_RARE_BIGRAM_LIST = (
    "bq bv bw bx bz cx cz dq fd fg fh fj fk fm fn fq fv fx fz gf gj gk gq gv "
    "gw gx hf hh hk hq hx hz jb jc jd jf jg jh jj jl jm jn jr jt jv jw jx jy "
    "jz kj kq kx kz lj lq lx lz mj mk mq mx oq pj pq pv px pz qb qc qd qe qf "
    "qg qh qi qj qk qm qn qo qp qq qs qt qv qx qy qz rx sj sz tq tz uh uj uq "
    "vd vf vh vj vn vq vw vx vz wg wj wm wv wx wz xg xh xj xk xl xq xu xv xw "
    "xx xz yh yj yk yq yv yx yy yz zb zc zf zg zh zj zk zn zp zq zv zw zx"
)
_QUERY_RARE_BIGRAMS = "|".join(_RARE_BIGRAM_LIST.split())
#: Keywords checked by :func:`looks_like_query` per file (evenly spaced).
QUERY_SAMPLE_ROWS = 5_000
_QUERY_MAX_WORDS = 20
_QUERY_MAX_TOKEN = 40


def looks_like_query(keywords: pd.Series) -> np.ndarray:
    """Which normalised keywords look like search queries rather than ids, hashes or noise.

    A keyword passes when it has a letter (any script), at most 20 words, no token over 40
    characters, at most 20 % of characters outside letters, digits, spaces and the
    punctuation queries use (``' . , & + / : # % $ - …``), no token with three letter/digit
    switches (``a8kd0qz1``), no run of six consonants (y counting as a vowel) and fewer than
    two letter pairs that real keywords almost never have (``qz``, ``xj``…). Thresholds
    are ours, set so that the team's real exports (Semrush, Keyword Planner es) pass at
    ≥ 99 % and random printable or alphanumeric strings of 5-30 characters fail at ≥ 70 %
    (``tests/unit/projects/test_import_guards.py``).

    Parameters
    ----------
    keywords : pandas.Series of str
        Normalised keywords (lowercase, single spaces).

    Returns
    -------
    numpy.ndarray of bool, shape (n,)
        True where the keyword looks like a search query.
    """
    text = keywords.astype(str)
    length = text.str.len().clip(lower=1)
    ok = text.str.contains(r"[^\W\d_]", regex=True)
    ok &= text.str.count(" ") < _QUERY_MAX_WORDS
    ok &= ~text.str.contains(rf"\S{{{_QUERY_MAX_TOKEN + 1},}}", regex=True)
    ok &= text.str.count(_QUERY_ODD_CHAR) <= 0.2 * length
    ok &= ~text.str.contains(_QUERY_ID_TOKEN, regex=True)
    ok &= ~text.str.contains(_QUERY_CONSONANT_RUN, regex=True)
    ok &= text.str.count(f"(?:{_QUERY_RARE_BIGRAMS})") < 2
    return ok.to_numpy(dtype=bool)
