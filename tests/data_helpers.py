"""Shared by tests/test_data*.py: a small default corpus built once per session in tmp."""
import pytest

SMALL_VOCAB = 1000


@pytest.fixture(scope="session")
def small_corpus(tmp_path_factory):
    """Build a 200/20/20 default corpus (vocab ≈1k) in a tmp data_dir once (≈2 s).

    Returns the options that select it: ``make_streams("default", **small_corpus)``.
    """
    from trax_models.sources import corpus
    options = dict(n_train=200, n_validation=20, n_test=20, vocab_size=SMALL_VOCAB,
                   data_dir=str(tmp_path_factory.mktemp("news")))
    corpus.ensure_corpus(**options)
    return options
