"""What every source shares: ``DataError``, ``DataStats``, and text decoding/cleaning of pairs.

Bad input is counted in a ``DataStats``, never a crash: empty pairs are skipped, text that
is not UTF-8 is read as Windows-1252 (counted). Structural errors (a JSONL line that is not
JSON, a missing field, a missing file) raise ``DataError`` naming the file and line.

One decoding policy for every text a user gives (``summarize``/``ner``/``qa`` inputs, data
files, TFDS bytes), ``decode_text``: valid UTF-8 is read as UTF-8 (a leading byte-order mark
dropped); anything else as Windows-1252, the superset of Latin-1 that legacy Western files
use, its five undefined bytes as Latin-1 — so decoding never fails and never yields U+FFFD;
the caller says so once. UTF-16 and binary data are refused by the readers (``not_text``).
"""
import codecs
import dataclasses
import logging

import numpy as np

log = logging.getLogger(__name__)


NOTHING_USABLE_AFTER = 1000  # a stream that drops this many in a row from the start: refused


class DataError(ValueError):
    """Unusable input data; the message names the file/line or directory and what to do."""


@dataclasses.dataclass
class DataStats:
    """Counts of what the pipeline did to imperfect input (shared by all stages)."""
    seen: int = 0            # pairs read
    kept: int = 0            # pairs passed on
    skipped_empty: int = 0   # empty or whitespace-only article or summary
    not_utf8: int = 0        # pairs not in UTF-8, read as Windows-1252 (``decode_text``)
    truncated: int = 0       # articles cut to fit max_length (summary kept)
    filtered_long: int = 0   # examples dropped because even the summary did not fit

    def __str__(self):
        return ", ".join(f"{k}={v}" for k, v in dataclasses.asdict(self).items())


# Windows-1252, with Latin-1 (the same code point) for its five undefined bytes.
_WINDOWS_1252 = "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b)
                        for b in range(256))
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)  # UTF-32's start with these too


def decode_text(raw):
    """``(text, was_utf8)`` of bytes: UTF-8 when they are valid UTF-8 (a BOM dropped), else
    Windows-1252, which cannot fail: the bytes of a Latin-1 "Café" read "Café", not "Caf" and
    a replacement character."""
    raw = bytes(raw)
    try:
        return raw.decode("utf-8-sig"), True
    except UnicodeDecodeError:
        return codecs.charmap_decode(raw, "strict", _WINDOWS_1252)[0], False


def not_text(raw, at_start):
    """Why ``raw`` (bytes; ``at_start``: the start of its file) cannot be 8-bit text, or None:
    a UTF-16 byte-order mark, or NUL bytes (UTF-16/32 text, a binary file). Decoding it as
    Windows-1252 would turn it into nonsense rather than fail."""
    if at_start and raw.startswith(UTF16_BOMS):
        return "UTF-16: it starts with a UTF-16 byte-order mark"
    if b"\x00" in raw:
        return "NUL bytes: UTF-16, or a binary file"
    return None


def as_text(x, stats_flag):
    """str from str/bytes/np.bytes_ (``decode_text``); stats_flag[0] set when not UTF-8."""
    if isinstance(x, (bytes, np.bytes_)):
        text, was_utf8 = decode_text(x)
        stats_flag[0] |= not was_utf8
        return text
    return str(x)


def clean_pairs(stream, stats=None):
    """Decode and check (article, summary) pairs: the first stage of every pipeline.

    Args:
      stream: iterator of (article, summary), each str or bytes (TFDS yields bytes).
      stats: optional ``DataStats``; counts seen/kept/skipped_empty/not_utf8.

    Yields:
      (article, summary) str pairs, both non-empty after stripping whitespace.

    Raises:
      DataError: the first ``NOTHING_USABLE_AFTER`` pairs are all empty (an endless source
        of them would otherwise spin forever without yielding).
    """
    stats = stats if stats is not None else DataStats()
    seen_here = kept_here = 0
    for example in stream:
        stats.seen += 1
        seen_here += 1
        if not kept_here and seen_here > NOTHING_USABLE_AFTER:
            raise DataError(f"the first {NOTHING_USABLE_AFTER:,} pairs of the data all have an "
                            "empty article or summary — check the source and its "
                            "article/summary fields.")
        flag = [False]
        article, summary = as_text(example[0], flag), as_text(example[1], flag)
        stats.not_utf8 += flag[0]
        if not article.strip() or not summary.strip():
            stats.skipped_empty += 1
            if stats.skipped_empty in (1, 10, 100, 1000):
                log.warning("skipped %d pair(s) with an empty article or summary", stats.skipped_empty)
            continue
        stats.kept += 1
        kept_here += 1
        yield article, summary
