"""Built-in XFlow workflows.

appendid.py   ``AppendID`` in project ``algo_public``: a copy of a table with a 0-based id column
"""
