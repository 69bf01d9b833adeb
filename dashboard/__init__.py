"""The nyckeltal dashboard (Dash): Översikt, Jämför and Om data, in Swedish and English.

`dashboard.app.create_app()` builds the app; the dashboard only reads the store.
"""
