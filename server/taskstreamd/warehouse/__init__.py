"""The embedded SQLite warehouse: the default SQL data source, a file per project with its sample tables.

iris.csv     the 150-row Iris data set (UCI), loaded as the table ``pyodps_iris``
embedded.py  the warehouse directory, and creating a project's file with its sample tables
"""
