"""Alembic environment: runs on the connection handed over by ``db.session.migrate``."""

from alembic import context
from sqlalchemy import create_engine

from db.models import Base

config = context.config
target_metadata = Base.metadata


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is None:  # CLI use: alembic -x url=... upgrade head
        url = context.get_x_argument(as_dictionary=True).get(
            "url", "sqlite:///.local/cluster_planner.db"
        )
        with create_engine(url).connect() as conn:
            context.configure(
                connection=conn, target_metadata=target_metadata, render_as_batch=True
            )
            with context.begin_transaction():
                context.run_migrations()
            conn.commit()
        return
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


run()
