"""Files written so that a kill never leaves half of one: temporary file, fsync, rename.

    atomic_write(path, write)     # write(f) fills a binary file object
    atomic_write_text(path, text)
    fsync_dir(directory)          # make a rename durable
    atomic_directory(target, fill)  # fill(tmp) writes a whole directory; renamed into place

A reader sees the old file or the new one, never a part. The temporary file sits in the same
directory (``.NAME.tmp-PID``) so the rename stays on one file system; it is removed on error.
"""
import os
import pathlib
import shutil
import tempfile

__all__ = ["atomic_write", "atomic_write_text", "fsync_dir", "temporary_name",
           "atomic_directory"]


def fsync_dir(directory):
    """Make a rename in ``directory`` durable (no-op where directories cannot be opened)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def temporary_name(path):
    """The temporary file ``atomic_write`` uses for ``path`` in this process."""
    path = pathlib.Path(path)
    return path.with_name(f".{path.name}.tmp-{os.getpid()}")


def atomic_write(path, write):
    """Write ``path`` so that readers see the old or the new content, never a part.

    Args:
      path: destination file.
      write: function(binary file object) that writes the content.
    """
    path = pathlib.Path(path)
    tmp = temporary_name(path)
    try:
        with open(tmp, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)  # atomic on POSIX when tmp and path share a file system
    finally:
        if tmp.exists():
            tmp.unlink()
    fsync_dir(path.parent)


def atomic_write_text(path, text):
    """``atomic_write`` of a str (UTF-8)."""
    atomic_write(path, lambda f: f.write(text.encode("utf-8")))


def atomic_directory(target, fill):
    """Build the directory ``target`` once: ``fill(tmp)`` writes it in a temporary sibling,
    which is renamed into place (a reader sees all of it or nothing). ``target/DONE`` marks a
    finished build: if it exists, nothing is done; if another process finishes first, its
    directory is kept. Returns ``target`` (a ``pathlib.Path``)."""
    target, done = pathlib.Path(target), "DONE"
    if (target / done).is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = pathlib.Path(tempfile.mkdtemp(prefix=target.name + ".tmp-", dir=target.parent))
    try:
        fill(tmp)
        if not (tmp / done).is_file():
            raise RuntimeError(f"building {target} wrote no {done} file")
        try:
            os.rename(tmp, target)
        except OSError:  # another process finished first: keep theirs
            if not (target / done).is_file():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target
