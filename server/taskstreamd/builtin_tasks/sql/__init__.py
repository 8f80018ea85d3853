"""The built-in ``sql`` task type.

sources.py    the data sources a task process knows, and their engines
csvtext.py    a result set as CSV text, the way PyODPS shows it
confine.py    what a statement may not do (files, programs, extensions): SQLite's authorizer, text checks
statement.py  running one statement: cancellation, stage progress, ``desc TABLE``
task.py       the registered handler
"""
