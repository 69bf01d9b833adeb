"""YAML reading for the declared data (catalog, regions, published figures): PyYAML's C loader (libyaml, in
PyYAML's wheels) when present, ~10x faster than the pure-Python one; both are safe loaders and read these
files to equal values (tests/etl/test_catalog_regions.py checks it)."""

from __future__ import annotations

from typing import IO, Any

import yaml

SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(source: str | bytes | IO[str] | IO[bytes]) -> Any:
    """The document in `source` (text, bytes or an open file), read with the safe loader."""
    return yaml.load(source, Loader=SafeLoader)
