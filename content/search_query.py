"""The search query language, parsed in pure Python (content/search.py runs it on a database):
plain words are ORed and ranked, `"a phrase"` is required, `-word` and `-"a phrase"` must not
appear; common English words are dropped; a word the course never uses is looked up by spelling.
Punctuation is a word separator, so user text never reaches a database query parser."""

import re
from collections.abc import Iterable
from dataclasses import dataclass

MAX_TERMS = 24

# PostgreSQL's English stop words, so both databases ignore the same words, plus words students
# wrap around a question ("what does ... mean", "can you explain ...") that say nothing about
# where the answer is.
_STOP_WORDS = """
    a about above after again against all am an and any are as at be because been before being
    below between both but by can did do does doing don down during each few for from further had
    has have having he her here hers herself him himself his how i if in into is it its itself
    just me more most my myself no nor not now of off on once only or other our ours ourselves out
    over own s same she should so some such t than that the their theirs them themselves then
    there these they this those through to too under until up very was we were what when where
    which while who whom why will with you your yours yourself yourselves
    also actually could explain get got im ive dont doesnt cant wont isnt arent didnt mean means
    meaning please really tell thing things vs versus way want would
"""
STOP_WORDS = frozenset(_STOP_WORDS.split())

_TOKEN = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class ParsedQuery:
    terms: tuple[str, ...] = ()  # ORed, ranked
    phrases: tuple[tuple[str, ...], ...] = ()  # each required
    excluded: tuple[tuple[str, ...], ...] = ()  # words or phrases that must not appear

    @property
    def empty(self) -> bool:
        """Nothing to look for: no usable word and no phrase (an exclusion alone finds nothing)."""
        return not self.terms and not self.phrases


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def parse_query(text: str) -> ParsedQuery:
    """Split `text` into ranked words, required phrases and excluded words or phrases."""
    terms: list[str] = []
    phrases: list[tuple[str, ...]] = []
    excluded: list[tuple[str, ...]] = []
    # A quote opens a phrase that runs to the next quote, or to the end when unbalanced.
    outside = ""
    for index, chunk in enumerate(text.split('"')):
        if index % 2 == 0:
            outside = chunk
            for piece in chunk.split():
                if piece.startswith("-") and len(piece) > 1:
                    excluded.extend((word,) for word in tokens(piece))
                else:
                    terms.extend(tokens(piece))
            continue
        words = tuple(tokens(chunk))
        if words:
            before = outside.rstrip()  # `-"a phrase"` excludes it
            negated = before.endswith("-") and (len(before) == 1 or before[-2].isspace())
            (excluded if negated else phrases).append(words)
    ranked = [term for term in dict.fromkeys(terms) if term not in STOP_WORDS]
    if not ranked and not phrases:
        # Only common words ("is it"): search them rather than nothing.
        ranked = list(dict.fromkeys(terms))
    return ParsedQuery(
        terms=tuple(ranked[:MAX_TERMS]),
        phrases=tuple(dict.fromkeys(phrases)),
        excluded=tuple(dict.fromkeys(excluded)),
    )


# --- spelling --------------------------------------------------------------------------------


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (a swap of neighbours counts once); anything above
    `limit` is reported as limit + 1."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous_previous: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, char_b in enumerate(b, start=1):
            cost = 0 if char_a == char_b else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                current[j] = min(current[j], previous_previous[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous_previous, previous = previous, current
    return previous[-1]


def allowed_typos(word: str) -> int:
    return 1 if len(word) < 8 else 2


def correctable(term: str) -> bool:
    return len(term) >= 4 and term.isalpha()


def closest_words(term: str, vocabulary: Iterable[tuple[str, int]], *, keep: int = 2) -> list[str]:
    """The vocabulary words (word, document count) nearest `term` in spelling, most used first."""
    limit = allowed_typos(term)
    pairs = {term[i : i + 2] for i in range(len(term) - 1)}
    scored = []
    for word, documents in vocabulary:
        if word == term or abs(len(word) - len(term)) > limit or not word.isalpha():
            continue
        shared = len(pairs & {word[i : i + 2] for i in range(len(word) - 1)})
        # Cheap filter before the quadratic distance: one edit changes at most three letter
        # pairs (a swap in "lsit" changes all of "ls", "si", "it").
        if shared < len(pairs) - 3 * limit:
            continue
        distance = edit_distance(term, word, limit)
        if distance <= limit:
            scored.append((distance, -documents, word))
    scored.sort()
    # Only the nearest spellings: "recusion" means "recursion" (1 edit), not "precision" (2).
    return [word for distance, _, word in scored[:keep] if distance == scored[0][0]]
