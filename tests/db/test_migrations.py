from sqlalchemy import inspect

from db.models import Base


def test_migrations_create_every_model_table(engine):
    tables = set(inspect(engine).get_table_names())
    assert {t.name for t in Base.metadata.sorted_tables} <= tables
    assert "alembic_version" in tables


def test_wordpress_password_is_encrypted_at_rest(engine, project_id):
    from sqlalchemy import text

    from db.models import Project
    from db.session import session_scope

    with session_scope(engine) as s:
        s.get(Project, project_id).wordpress_app_password = "abcd efgh ijkl"
    with engine.connect() as conn:
        raw = conn.execute(text("SELECT wordpress_app_password FROM projects")).scalar_one()
    assert raw and "abcd" not in raw
    with session_scope(engine) as s:
        assert s.get(Project, project_id).wordpress_app_password == "abcd efgh ijkl"
