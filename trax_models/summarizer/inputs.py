"""What the commands read from and write to a user's paths: articles read with a bound and
checked as text while they are read, and output paths checked before any work.

    read_inputs(inputs, purpose)          [(name, text)] of files / stdin ('-'): the one reader
                                          of summarize, ner and qa
    check_output_file(flag, path, suffix) UserError for a path that cannot take the file
    check_output_folder(flag, path)       UserError for a folder that cannot take pages

An article is at most ``MAX_INPUT_BYTES`` (1 MiB); text that is not UTF-8 is read as
Windows-1252 (``records.decode_text``) with one warning line.
"""
import os
import pathlib
import stat
import sys

from trax_models.errors import UserError
from trax_models.sources import records

__all__ = ["read_inputs", "check_output_file", "check_output_folder", "MAX_INPUT_BYTES", "READ_CHUNK",
           "NOT_TEXT_FRACTION"]

NOT_TEXT_FRACTION = 0.02  # more than this share of bytes control characters: not text
MAX_INPUT_BYTES = 1 << 20  # an article: the model reads only its first few hundred tokens
READ_CHUNK = 64 << 10  # input is read, and checked, this much at a time
_CONTROL_BYTES = bytes(b for b in range(32) if chr(b) not in "\t\n\r\f\v")


def _as_article(chunks, where):
    """The text of an input read as ``chunks`` (bytes), decoded by ``records.decode_text``.

    Each chunk is checked as it arrives, so /dev/zero, /dev/urandom or an endless pipe is
    refused (UserError) after one chunk instead of filling memory: past ``MAX_INPUT_BYTES``;
    UTF-16 or NUL bytes; control characters over ``NOT_TEXT_FRACTION`` (the same bytes in
    UTF-8 and Windows-1252, never part of a multi-byte character, so a chunk boundary cannot
    split what is counted — the text is decoded once, at the end). Text that is not UTF-8
    gets one warning line: it was read as Windows-1252.
    """
    raw, control = bytearray(), 0
    for chunk in chunks:
        why = records.not_text(chunk, at_start=not raw)
        raw += chunk
        if len(raw) > MAX_INPUT_BYTES:
            raise UserError(f"{where} is longer than {MAX_INPUT_BYTES >> 20} MiB, and the model "
                            "reads only the first few hundred words of an article — split it "
                            "or pass its first part")
        control += len(chunk) - len(chunk.translate(None, _CONTROL_BYTES))
        if not why and control > NOT_TEXT_FRACTION * len(raw):
            why = f"{control:,} of its first {len(raw):,} bytes are control characters"
        if why:
            raise UserError(f"{where} is not text ({why}) — pass a plain-text article, "
                            "saved as UTF-8")
    text, was_utf8 = records.decode_text(raw)
    if not was_utf8:
        print(f"warning: {where} is not UTF-8; read it as Windows-1252 (Latin-1) — if accents "
              "look wrong, convert it to UTF-8", file=sys.stderr)
    return text


def _chunks(name):
    """The bytes of input ``name`` ('-': stdin), READ_CHUNK at a time; UserError for a path
    that cannot be read, or is a folder or a device (only a file, a pipe or stdin is text)."""
    if name == "-":
        if hasattr(sys.stdin, "buffer"):
            yield from iter(lambda: sys.stdin.buffer.read(READ_CHUNK), b"")
        else:  # replaced by a text stream (tests, notebooks)
            yield from (part.encode("utf-8", "surrogateescape")
                        for part in iter(lambda: sys.stdin.read(READ_CHUNK), ""))
        return
    try:
        mode = os.stat(name).st_mode
        if stat.S_ISDIR(mode):
            raise UserError(f"{name} is a folder — pass a text file (one article)")
        if not (stat.S_ISREG(mode) or stat.S_ISFIFO(mode) or _is_stdin(name)):
            raise UserError(f"{name} is not a file but a device or socket — pass a text file "
                            "(one article), or '-' for stdin")
        with open(name, "rb") as f:
            yield from iter(lambda: f.read(READ_CHUNK), b"")
    except OSError as e:
        raise UserError(f"cannot read {name}: {e.strerror} — pass a readable text "
                        "file") from None


def _is_stdin(name):
    """Whether ``name`` is this process's stdin (``/dev/stdin`` on a terminal: a device)."""
    try:
        return os.path.samestat(os.stat(name), os.fstat(0))
    except OSError:  # no stdin (fd 0 closed)
        return False


def read_inputs(inputs, purpose="summarize"):
    """[(name, text)] of the input files / stdin; UserError for unreadable, empty, non-text
    (binary, UTF-16) or oversized input (``purpose``: what the text is for, in the message).
    The one reader of ``summarize``, ``ner`` and ``qa`` (``_as_article``: bounds, decoding)."""
    texts = []
    for name in inputs or ["-"]:
        where = "stdin" if name == "-" else name
        text = _as_article(_chunks(name), where)
        if not text.strip():
            raise UserError(f"{where} is empty — nothing to {purpose}; pass an article's text")
        texts.append((name, text))
    return texts


def check_output_file(flag, path, suffix):
    """UserError, before any work, for a path ``flag`` cannot write a ``suffix`` file to."""
    target = pathlib.Path(path)
    if not str(path).strip() or target.is_dir():
        raise UserError(f"{flag} {path!r} is {'empty' if not str(path).strip() else 'a folder'}"
                        f": pass a file name ending in {suffix}")
    if target.suffix.lower() != suffix:
        raise UserError(f"{flag} {path}: the file is written as {suffix[1:].upper()} — pass a "
                        f"file name ending in {suffix}")
    if target.exists() and not target.is_file():  # a device or pipe: a rename would replace it
        raise UserError(f"{flag} {path} is not a regular file: pass a file name ending in "
                        f"{suffix}")
    if not target.parent.is_dir():
        raise UserError(f"{flag} {path}: the folder {target.parent} does not exist — create it "
                        "or pass another path")


def check_output_folder(flag, path):
    """UserError, before any work, for a folder ``flag`` cannot write pages into."""
    target = pathlib.Path(path)
    if not str(path).strip():
        raise UserError(f"{flag} is empty: pass a folder for the pages")
    if target.exists() and not target.is_dir():
        raise UserError(f"{flag} {path} is a file, not a folder: pass a folder for the pages")
    if not target.exists() and not target.parent.is_dir():
        raise UserError(f"{flag} {path}: the folder {target.parent} does not exist — create it "
                        "or pass another path")
