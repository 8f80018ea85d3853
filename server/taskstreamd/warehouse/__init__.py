"""The embedded SQLite warehouse: the default SQL data source, created with its sample tables on first start.

iris.csv     the 150-row Iris data set (UCI), loaded as the table ``pyodps_iris``
embedded.py  creating the warehouse file and its sample tables
"""
