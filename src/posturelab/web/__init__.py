"""The HTTP API and the browser dashboard (``posturelab serve``).

:func:`posturelab.web.app.create_app` builds the application; the dashboard's page, scripts and
style are package data under ``static/``. This package sits on top: it imports the scenario,
engine, explore, store and report layers, and nothing imports it but the command line.
"""
