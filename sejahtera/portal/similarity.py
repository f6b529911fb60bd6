"""Trigram similarity as PostgreSQL's pg_trgm computes it, for SQLite (the embedded default).

pg_trgm lower-cases the text, splits it into words of letters and digits, pads each word with two
spaces in front and one behind, and compares the sets of three-character pieces:
similarity = shared trigrams / all trigrams. The same numbers on both databases keep one threshold.
"""

from __future__ import annotations

import re
from functools import lru_cache

_WORD = re.compile(r"[^\W_]+")


@lru_cache(maxsize=4096)
def trigrams(text: str) -> frozenset[str]:
    out: set[str] = set()
    for word in _WORD.findall(text.lower()):
        padded = f"  {word} "
        out.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return frozenset(out)


def trigram_similarity(a: str, b: str) -> float:
    ta, tb = trigrams(a), trigrams(b)
    if not ta or not tb:
        return 0.0
    shared = len(ta & tb)
    return shared / (len(ta) + len(tb) - shared)
