"""Text analysis: NFKC + lowercase, CJK character bigrams, Latin/digit words.

Why bigrams and not a segmenter: a bigram index finds 二元一次方程 inside 解二元一次方程组
whatever a dictionary would have made of the surrounding characters (jieba cuts 解二元一次方程组
into words that need not line up with the query's), needs no dictionary to ship and keep
current (楷书结构84法, 田蕴章, 京剧脸谱 ...), and costs one pass over the text.

Whitespace: inside a field, CJK text separated only by whitespace also yields the "bridge"
bigram across the gap (人教版 八年级 -> ... 版八 ...), so a query typed without spaces finds
text written with them. In a query, bridges are optional: 二元 一次 方程 requires 二元, 一次
and 方程 and ranks documents that also have 元一 and 次方 (i.e. the contiguous phrase) first,
so it returns what 二元一次方程 returns.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from operator import add

# Han (with extensions and compatibility ideographs), 々〆〇, kana, bopomofo, Hangul.
_CJK = (
    "\u2e80-\u2fdf\u3005-\u3007\u3021-\u3029\u3040-\u30ff\u3100-\u312f\u3190-\u31ff"
    "\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f"
)
# A run of CJK characters, or a run of other letters/digits (no underscore).
_RUN = re.compile(rf"([{_CJK}]+)|([^\W_{_CJK}]+)")
_CJK_CHAR = re.compile(rf"[{_CJK}]")


def normalize(text: str) -> str:
    """NFKC (full-width to half-width, compatibility forms) and lowercase."""
    return unicodedata.normalize("NFKC", text).lower()


def is_cjk(char: str) -> bool:
    return _CJK_CHAR.match(char) is not None


def _bigrams(run: str) -> list[str]:
    return [run] if len(run) == 1 else list(map(add, run, run[1:]))


def tokenize(text: str) -> list[str]:
    """Terms of `text` in order: CJK runs become overlapping bigrams (a one-character run
    stays a unigram), other letter/digit runs become words; anything else separates.

    >>> tokenize("3D打印，Ｐｙｔｈｏｎ入门")
    ['3d', '打印', 'python', '入门']
    """
    terms: list[str] = []
    for cjk, word in _RUN.findall(normalize(text)):
        if cjk:
            terms.extend(_bigrams(cjk))
        else:
            terms.append(word)
    return terms


def compact(normalized: str) -> str:
    """The letters, digits and CJK characters of already normalised text, nothing between
    them: what the exact-substring bonus compares (解二元一次方程组 contains 二元一次方程)."""
    return "".join(cjk or word for cjk, word in _RUN.findall(normalized))


def field_terms(normalized: str) -> tuple[list[str], str]:
    """Index terms of already normalised text (tokens plus whitespace bridges) and its CJK
    characters (for one-character queries)."""
    terms: list[str] = []
    chars: list[str] = []
    last_cjk = ""
    prev_end = 0
    for m in _RUN.finditer(normalized):
        cjk = m.group(1)
        if cjk is not None:
            if last_cjk and normalized[prev_end : m.start()].isspace():
                terms.append(last_cjk + cjk[0])
            terms.extend(_bigrams(cjk))
            chars.append(cjk)
            last_cjk = cjk[-1]
        else:
            terms.append(m.group(2))
            last_cjk = ""
        prev_end = m.end()
    return terms, "".join(chars)


@dataclass(frozen=True, slots=True)
class QueryPlan:
    """What a query asks for.

    required: bigrams and words every hit must contain (AND);
    chars:    one-character CJK groups (诗): every hit must contain the character anywhere;
    optional: whitespace bridges, which only add to the score;
    phrase:   the compact query, for the exact-substring bonus.
    """

    required: tuple[str, ...]
    chars: tuple[str, ...]
    optional: tuple[str, ...]
    phrase: str

    @property
    def empty(self) -> bool:
        return not (self.required or self.chars)

    @property
    def size(self) -> int:
        return len(self.required) + len(self.chars)


def plan_query(query: str) -> QueryPlan:
    normalized = normalize(query)
    required: dict[str, None] = {}
    chars: dict[str, None] = {}
    optional: dict[str, None] = {}
    last_cjk = ""
    prev_end = 0
    for m in _RUN.finditer(normalized):
        cjk = m.group(1)
        if cjk is not None:
            if last_cjk and normalized[prev_end : m.start()].isspace():
                optional[last_cjk + cjk[0]] = None
            if len(cjk) == 1:
                chars[cjk] = None
            else:
                required.update(dict.fromkeys(_bigrams(cjk)))
            last_cjk = cjk[-1]
        else:
            required[m.group(2)] = None
            last_cjk = ""
        prev_end = m.end()
    # A character already inside a required bigram adds no constraint (古诗 诗 == 古诗).
    in_bigrams = "".join(t for t in required if is_cjk(t[0]))
    return QueryPlan(
        required=tuple(required),
        chars=tuple(c for c in chars if c not in in_bigrams),
        optional=tuple(t for t in optional if t not in required),
        phrase=compact(normalized),
    )
