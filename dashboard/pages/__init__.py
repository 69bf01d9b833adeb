"""The dashboard's pages, registered by dashboard.app.create_app."""
