"""Tests of trax_models.sources (a package, so that test files may share names with others)."""
