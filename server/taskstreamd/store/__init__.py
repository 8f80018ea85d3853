"""The store: SQLAlchemy models, migrations and the only code that talks to the database."""
