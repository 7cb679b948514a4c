"""Persistence: the domain's ports (trajectory.ports) over SQLAlchemy, for SQLite and PostgreSQL.

Start-up: ``engine = create_engine(url)``, ``await migrate(engine)``,
``uow_factory = unit_of_work_factory(session_factory(engine))``.
"""

from .database import create_engine, ping, session_factory
from .migrate import migrate
from .unit_of_work import SqlUnitOfWork, UnitOfWorkFactory, unit_of_work_factory

__all__ = [
    "SqlUnitOfWork",
    "UnitOfWorkFactory",
    "create_engine",
    "migrate",
    "ping",
    "session_factory",
    "unit_of_work_factory",
]
