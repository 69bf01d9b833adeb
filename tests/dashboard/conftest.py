"""The dashboard app over a fresh SQLite store (loaded with the bundled snapshot by the deploy step), per
test module."""

from __future__ import annotations

import pytest

from dashboard import data


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, load_snapshot):
    from dashboard.app import create_app

    url = load_snapshot(f"sqlite:///{tmp_path_factory.mktemp('app') / 'store.sqlite'}")
    application = create_app(url)
    application.store_url = url  # type: ignore[attr-defined]
    return application


@pytest.fixture
def client(app):
    """A Flask test client; the module's store is made the dashboard's data source again."""
    data.configure(app.store_url)
    return app.server.test_client()
