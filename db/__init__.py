"""Database layer: SQLAlchemy 2.x models, engine/session factory, Alembic migrations."""
