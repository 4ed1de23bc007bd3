"""TFDS datasets: CNN/DailyMail through the course's ``trax.data.TFDS`` call, and local datasets.

    cnn_dailymail(data_dir, train=True)   # trax.data.TFDS('cnn_dailymail', data_dir=data_dir,
                                          #   keys=('article', 'highlights'), train=train)
    check_cnn_dailymail(data_dir)         # DataError saying what to do when it is unprepared
    prepare_cnn_dailymail(jsonl, data_dir)  # offline, from a JSONL copy of the pairs
    prepare_tfds(name, data_dir, splits, keys)  # any local text dataset (the default corpus)
    tfds_prepared(name, data_dir), read_split(name, data_dir, split, keys)
"""
import json
import logging
import os
import pathlib

import trax

from trax_models.sources.files import split_by_ratio
from trax_models.sources.records import DataError, decode_text

CNN_DM = "cnn_dailymail"
CNN_DM_KEYS = ("article", "highlights")


def tfds_prepared(name, data_dir):
    """True when ``data_dir`` holds a prepared TFDS dataset ``name`` (any version)."""
    root = pathlib.Path(data_dir).expanduser() / name
    return any(root.glob("*/dataset_info.json")) or any(root.glob("*/*/dataset_info.json"))


def check_cnn_dailymail(data_dir):
    """Raise ``DataError`` with what to do when ``data_dir`` lacks a prepared cnn_dailymail."""
    if data_dir is None:
        data_dir = os.path.expanduser("~/tensorflow_datasets")
    if not tfds_prepared(CNN_DM, data_dir):
        raise DataError(
            f"CNN/DailyMail is not prepared in {data_dir}. Online, prepare it once with "
            f"`python -c \"import tensorflow_datasets as tfds; tfds.builder('cnn_dailymail', "
            f"data_dir='{data_dir}').download_and_prepare()\"` (downloads ≈0.5 GB of stories and "
            "tokenizes ≈300k articles; plan for tens of minutes), or, from a JSONL copy with "
            "'article' and 'highlights' fields, run trax_models.sources.tfds.prepare_cnn_dailymail("
            f"jsonl, '{data_dir}'). Then pass data_dir='{data_dir}'.")
    return data_dir


def cnn_dailymail(data_dir, train=True, shuffle_train=True):
    """The course's CNN/DailyMail stream function (checks ``data_dir`` first).

    Returns ``trax.data.TFDS('cnn_dailymail', data_dir=data_dir, keys=('article',
    'highlights'), train=train)``: call it to get an endless iterator of (article, highlights)
    byte strings (train split, or validation when ``train=False``).
    """
    data_dir = check_cnn_dailymail(data_dir)
    return trax.data.TFDS(CNN_DM, data_dir=data_dir, keys=CNN_DM_KEYS, train=train,
                          shuffle_train=shuffle_train)


def prepare_tfds(name, data_dir, splits, keys, version="1.0.0"):
    """Write a local TFDS dataset ``name`` of text features ``keys`` into ``data_dir``.

    Args:
      name: dataset name (``tfds.builder(name, data_dir=data_dir)`` then reads it).
      data_dir: the TFDS data directory.
      splits: dict split name → list of dicts (or tuples in ``keys`` order) of str.
      keys: the text feature names.
      version: the dataset version directory.

    Returns:
      data_dir (str).
    """
    import tensorflow_datasets as tfds

    def rows(items):  # (key, example) pairs; TFDS stores them in a fixed key-hash order
        for i, item in enumerate(items):
            yield i, (dict(zip(keys, item)) if not isinstance(item, dict) else {k: item[k] for k in keys})

    tfds.disable_progress_bar()  # one line per split instead of bars in make train's log
    logging.getLogger("absl").setLevel(logging.ERROR)  # "Variant folder ... has no dataset_info"
    tfds.dataset_builders.store_as_tfds_dataset(
        name=name, version=version, data_dir=str(data_dir),
        features=tfds.features.FeaturesDict({k: tfds.features.Text() for k in keys}),
        split_datasets={s: list(rows(v)) for s, v in splits.items()})
    return str(data_dir)


def prepare_cnn_dailymail(jsonl, data_dir, eval_fraction=0.1, seed=0):
    """Prepare a ``cnn_dailymail`` TFDS data_dir from a JSONL of CNN/DM pairs (offline).

    The result is read by the registered ``cnn_dailymail`` builder, i.e. by the course's
    ``trax.data.TFDS('cnn_dailymail', data_dir=data_dir, ...)`` call unchanged. The pairs are
    split by ``eval_fraction`` (seeded) into train and validation (validation also as test).

    Args:
      jsonl: file with fields "article", "highlights" (and optionally "id").
      data_dir: where to write (``data_dir/cnn_dailymail/3.4.0/``).

    Returns:
      data_dir (str).
    """
    import tensorflow_datasets as tfds
    records = []
    path = pathlib.Path(jsonl)
    for n, line in enumerate(decode_text(path.read_bytes())[0].splitlines(), 1):
        if line.strip():
            try:
                r = json.loads(line)
                if not (isinstance(r["article"], str) and isinstance(r["highlights"], str)):
                    raise TypeError("'article' and 'highlights' must be strings")
                records.append({"article": r["article"], "highlights": r["highlights"],
                                "id": str(r.get("id", n)),
                                "publisher": "cnn" if r["article"].startswith("(CNN)") else "dm"})
            except (json.JSONDecodeError, KeyError, TypeError) as e:
                raise DataError(f"{path}:{n}: not a CNN/DM record with 'article' and "
                                f"'highlights' ({e!r}).") from None
    train, evals = split_by_ratio(records, eval_fraction, seed)
    version = str(tfds.builder_cls(CNN_DM).VERSION)  # the registered builder reads this version
    prepare_tfds(CNN_DM, data_dir, {"train": train, "validation": evals, "test": evals},
                 keys=("article", "highlights", "id", "publisher"), version=version)
    return str(data_dir)


def read_split(name, data_dir, split, keys):
    """Finite iterator over one split of a prepared TFDS dataset, as byte pairs."""
    import tensorflow_datasets as tfds
    ds = tfds.load(name, split=split, data_dir=data_dir, shuffle_files=False, download=False)
    for example in tfds.as_numpy(ds):
        yield tuple(example[k] for k in keys)
