"""What every source shares: ``DataError``, ``DataStats``, and text decoding/cleaning of pairs.

Bad input is counted in a ``DataStats``, never a crash: empty pairs are skipped, invalid
UTF-8 is decoded with U+FFFD. Structural errors (a JSONL line that is not JSON, a missing
field, a missing file) raise ``DataError`` naming the file and line.
"""
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
    utf8_replaced: int = 0   # pairs with invalid UTF-8, decoded with U+FFFD
    truncated: int = 0       # articles cut to fit max_length (summary kept)
    filtered_long: int = 0   # examples dropped because even the summary did not fit

    def __str__(self):
        return ", ".join(f"{k}={v}" for k, v in dataclasses.asdict(self).items())


def as_text(x, stats_flag):
    """str from str/bytes/np.bytes_; invalid UTF-8 replaced (stats_flag[0] set when it was)."""
    if isinstance(x, (bytes, np.bytes_)):
        try:
            return bytes(x).decode("utf-8")
        except UnicodeDecodeError:
            stats_flag[0] = True
            return bytes(x).decode("utf-8", errors="replace")
    return str(x)


def clean_pairs(stream, stats=None):
    """Decode and check (article, summary) pairs: the first stage of every pipeline.

    Args:
      stream: iterator of (article, summary), each str or UTF-8 bytes (TFDS yields bytes).
      stats: optional ``DataStats``; counts seen/kept/skipped_empty/utf8_replaced.

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
        stats.utf8_replaced += flag[0]
        if not article.strip() or not summary.strip():
            stats.skipped_empty += 1
            if stats.skipped_empty in (1, 10, 100, 1000):
                log.warning("skipped %d pair(s) with an empty article or summary", stats.skipped_empty)
            continue
        stats.kept += 1
        kept_here += 1
        yield article, summary
