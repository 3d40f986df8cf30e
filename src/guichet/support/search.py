"""Full-text search of the help centre: French stemming, accents ignored.

Text and queries are folded the same way on both databases (lower case, accents removed,
split on anything that is not a letter or a digit, French stop words dropped). Then:

- PostgreSQL stems with its ``french`` configuration: ``to_tsvector('french', search_text)``
  (a stored generated column ``search_vector`` with a GIN index, migration 0003) against a
  ``to_tsquery`` of the folded words joined by OR, ranked by ``ts_rank``;
- SQLite (the embedded mode) stems in Python with the Snowball French stemmer and keeps the
  stems in an FTS5 table (``support_help_fts``), queried with ``MATCH`` (OR of the stems,
  ranked by bm25). The service that publishes an article rewrites its row.

Either way "connecte", "connecter" and "connecté" find the same articles.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer
from django.db import connection

# The common French words a search ignores (PostgreSQL's french configuration drops these and
# more; a word kept here and dropped there only lowers a rank).
STOP_WORDS = frozenset(
    [
        "a",
        "ai",
        "au",
        "aux",
        "avec",
        "ce",
        "ces",
        "dans",
        "de",
        "des",
        "du",
        "elle",
        "en",
        "et",
        "eux",
        "il",
        "ils",
        "je",
        "la",
        "le",
        "les",
        "leur",
        "lui",
        "ma",
        "mais",
        "me",
        "meme",
        "mes",
        "moi",
        "mon",
        "ne",
        "nos",
        "notre",
        "nous",
        "on",
        "ou",
        "par",
        "pas",
        "pour",
        "qu",
        "que",
        "qui",
        "sa",
        "se",
        "ses",
        "son",
        "sur",
        "ta",
        "te",
        "tes",
        "toi",
        "ton",
        "tu",
        "un",
        "une",
        "vos",
        "votre",
        "vous",
        "c",
        "d",
        "j",
        "l",
        "m",
        "n",
        "s",
        "t",
        "y",
        "est",
        "sont",
        "suis",
        "etre",
        "avoir",
        "ete",
        "cette",
        "cet",
        "comment",
        "quoi",
        "quand",
        "plus",
        "tres",
        "bien",
        "faire",
        "fait",
        "peux",
        "peut",
        "veux",
    ]
)
WORD = re.compile(r"[a-z0-9]+")
MAX_WORDS = 12
# PostgreSQL ranks at most this many matching articles (and their union with as many title
# matches): see ``matching_ids``.
RANKED = 100


def fold(text: str) -> str:
    """Lower case without accents (é → e, œ → oe)."""
    text = (text or "").lower().replace("œ", "oe").replace("æ", "ae")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    """The meaningful words of ``text``, folded, in order, without stop words."""
    return [w for w in WORD.findall(fold(text)) if w not in STOP_WORDS and len(w) > 1]


@lru_cache(maxsize=1)
def _stemmer():
    return snowballstemmer.stemmer("french")


def stems(text: str) -> list[str]:
    return _stemmer().stemWords(words(text))


def query_words(query: str) -> list[str]:
    """The distinct words of a query (at most ``MAX_WORDS``)."""
    seen: list[str] = []
    for word in words(query):
        if word not in seen:
            seen.append(word)
    return seen[:MAX_WORDS]


# --- the index ---------------------------------------------------------------------------------


def index_write(article_id: int, text: str) -> None:
    """Put (or replace) an article's row of the SQLite index; nothing to do on PostgreSQL,
    whose index reads ``search_text``."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM support_help_fts WHERE article_id = %s", [article_id])
        cursor.execute(
            "INSERT INTO support_help_fts (article_id, words) VALUES (%s, %s)",
            [article_id, " ".join(stems(text))],
        )


def index_remove(article_id: int) -> None:
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM support_help_fts WHERE article_id = %s", [article_id])


def matching_ids(query: str, *, limit: int = 20) -> list[int]:
    """The ids of the published articles matching ``query``, best first (the caller narrows
    further: organisation, theme)."""
    found = query_words(query)
    if not found:
        return []
    if connection.vendor == "postgresql":
        tsquery = " | ".join(found)  # folded words: letters and digits only, nothing to escape
        # Ranked: every match when at most RANKED match (one of the branches then holds them
        # all); over that, the RANKED whose titles match best and the RANKED newest. ts_rank
        # reads each ranked article's whole vector: over thousands of matches it was the cost.
        ranked = max(RANKED, limit)
        sql = (
            "SELECT a.id FROM support_helparticle a WHERE a.id IN ("
            "(SELECT id FROM support_helparticle "
            "WHERE is_published AND title_vector @@ to_tsquery('french', %(q)s) "
            "ORDER BY ts_rank(title_vector, to_tsquery('french', %(q)s)) DESC, id "
            "LIMIT %(ranked)s) UNION ALL "
            "(SELECT id FROM support_helparticle "
            "WHERE is_published AND search_vector @@ to_tsquery('french', %(q)s) "
            "ORDER BY id DESC LIMIT %(ranked)s)) "
            "ORDER BY ts_rank(a.search_vector, to_tsquery('french', %(q)s)) DESC, a.id "
            "LIMIT %(limit)s"
        )
        params: dict | list = {"q": tsquery, "ranked": ranked, "limit": limit}
    else:
        terms = sorted(set(_stemmer().stemWords(found)))
        match = " OR ".join(f'"{t}"' for t in terms)  # stems: [a-z0-9] only
        # Joined to the published articles before the LIMIT, as on PostgreSQL: an index row
        # left by an article removed without the service (a flush, a cascade) takes no place.
        sql = (
            "SELECT support_help_fts.article_id FROM support_help_fts "
            "JOIN support_helparticle ON support_helparticle.id = support_help_fts.article_id "
            "WHERE support_help_fts MATCH %s AND support_helparticle.is_published "
            "ORDER BY bm25(support_help_fts) LIMIT %s"
        )
        params = [match, limit]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [int(row[0]) for row in cursor.fetchall()]
