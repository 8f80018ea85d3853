"""The sync client, generated from ``taskstream/_async/`` by ``clients/python/tools/unasync.py`` (see
``taskstream/_async/__init__.py`` for why); only ``_backend.py`` and this file are written by hand."""
