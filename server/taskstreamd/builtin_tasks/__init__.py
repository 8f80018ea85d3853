"""Task types every worker offers, whatever task modules it was given.

    sql/     the ``sql`` task: one statement through SQLAlchemy on a named data source
    xflow/   workflows (PyODPS's XFlow), such as ``AppendID`` in project ``algo_public``

Importing this package registers them; the worker imports it before its own task modules.
"""

from .sql import task as _sql_task
from .xflow import appendid as _appendid

__all__: list[str] = []
del _sql_task, _appendid
