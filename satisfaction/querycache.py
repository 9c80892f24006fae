"""ORM queries compiled once per process and run again with other values (issue 4's answer paths).

Compiling a ``select_related`` query takes the ORM more CPU than PostgreSQL needs to plan and run
it (about 1.5 ms against 0.2 ms for the invitation an answer locks). The queryset stays the one
definition of what is read; only its SQL is kept, and the instances are built the way
``QuerySet`` iteration builds them (``from_db`` and the related populators). On PostgreSQL the
SQL is also a prepared statement, so that PostgreSQL does not plan the four-table join again for
every answer either (planning it cost 0.5-1 ms, running it 0.1-0.2 ms).
"""

import datetime as dt
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators


def placeholder(index: int, kind: type = str) -> Any:
    """A value that stands for argument ``index`` while the query is compiled; never sent to the database."""
    if kind is dt.datetime:
        return dt.datetime(1, 1, 1, 0, 0, 0, index + 1, tzinfo=dt.UTC)
    if kind is int:
        return -7_000_000_000_000 - index
    return f"\x00placeholder-{index}\x00"


@dataclass(frozen=True)
class _Compiled:
    statement: "PreparedStatement"
    params: tuple
    # (position in params, argument index) for every placeholder.
    slots: tuple[tuple[int, int], ...]
    compiler: Any
    converters: dict
    model: type[Model]
    start: int
    end: int
    names: list[str]
    populators: list
    # (attribute, position in the row) of the queryset's annotations.
    annotations: tuple[tuple[str, int], ...]


class ReusableQuery:
    """``build(*placeholders)`` returns the queryset; ``first(*values)`` runs it with ``values``.

    Placeholders are ``placeholder(i)`` (text) or ``placeholder(i, dt.datetime)``, one per
    argument of ``build``. Other databases than PostgreSQL (the demo's SQLite, whose values need
    converting) run the queryset as usual.
    """

    _numbers = itertools.count(1)

    def __init__(self, build: Callable[..., QuerySet], kinds: tuple[type, ...]) -> None:
        self.build = build
        self.kinds = kinds
        self._compiled: dict[str, _Compiled] = {}
        self.name = f"satisfaction_reusable_{next(self._numbers)}"

    def first(self, *values: object, using: str = "default") -> Model | None:
        connection = connections[using]
        if connection.vendor != "postgresql":
            return self.build(*values).first()
        compiled = self._compiled.get(using) or self._compile(using)
        params = list(compiled.params)
        for position, index in compiled.slots:
            params[position] = values[index]
        with connection.cursor() as cursor:
            compiled.statement.run(cursor, params, connection=connection)
            row = cursor.fetchone()
        return None if row is None else self._instance(compiled, row, using)

    def _compile(self, using: str) -> _Compiled:
        placeholders = [placeholder(i, kind) for i, kind in enumerate(self.kinds)]
        queryset = self.build(*placeholders)[:1]
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        slots = tuple((pos, placeholders.index(p)) for pos, p in enumerate(params) if p in placeholders)
        if sorted(index for _pos, index in slots) != list(range(len(placeholders))):
            raise ValueError("every placeholder must appear exactly once in the query's parameters")
        # What ModelIterable works out for every run, worked out once (compiler.select is set by as_sql).
        select, klass_info = compiler.select, compiler.klass_info
        fields = klass_info["select_fields"]
        start, end = fields[0], fields[-1] + 1
        compiled = self._compiled[using] = _Compiled(
            # PostgreSQL infers each parameter's type from where it stands.
            statement=PreparedStatement(self.name, _numbered(sql), types=()),
            params=tuple(params),
            slots=slots,
            compiler=compiler,
            converters=compiler.get_converters([column for column, _sql, _alias in select]),
            model=klass_info["model"],
            start=start,
            end=end,
            names=[column.target.attname for column, _sql, _alias in select[start:end]],
            populators=get_related_populators(klass_info, select, using),
            annotations=tuple(compiler.annotation_col_map.items()),
        )
        return compiled

    @staticmethod
    def _instance(compiled: _Compiled, row: tuple, using: str) -> Model:
        """The row as ``ModelIterable`` makes it: the model, its ``select_related`` objects, its annotations."""
        if compiled.converters:
            row = next(iter(compiled.compiler.apply_converters([row], compiled.converters)))
        instance = compiled.model.from_db(using, compiled.names, row[compiled.start : compiled.end])
        for populator in compiled.populators:
            populator.populate(row, instance)
        for name, position in compiled.annotations:
            setattr(instance, name, row[position])
        return instance


class PreparedStatement:
    """A statement PostgreSQL plans once per connection (``PREPARE``) and then only runs (``EXECUTE``).

    psycopg2 sends every statement as text, so PostgreSQL parses and plans it on every call; for
    the stale marks every answer writes, planning costs several times running. ``sql`` uses
    ``$1``, ``$2``, ... with a type per parameter in ``types`` (``PREPARE`` needs them where the
    statement leaves them open). A prepared statement outlives a rolled-back transaction and ends
    with its connection, so each connection is prepared once, the first time it runs the statement.
    Only for PostgreSQL; ``execute`` is the caller's path there, plain SQL elsewhere.
    """

    def __init__(self, name: str, sql: str, types: tuple[str, ...]) -> None:
        self.name = name
        self.sql = sql
        self.types = types

    def execute(self, params: list, *, using: str = "default") -> None:
        connection = connections[using]
        with connection.cursor() as cursor:
            self.run(cursor, params, connection=connection)

    def run(self, cursor, params: list, *, connection) -> None:
        """EXECUTE on ``cursor`` (of ``connection``), preparing the statement first on a new connection."""
        self._prepare(cursor, connection)
        cursor.execute(*self._execute(params))

    def statement(self, params: list, *, using: str = "default") -> tuple[str, list]:
        """The ``EXECUTE`` (SQL and parameters) for a caller sending it with other statements;
        the statement is prepared first if this connection has not prepared it."""
        connection = connections[using]
        with connection.cursor() as cursor:
            self._prepare(cursor, connection)
        return self._execute(params)

    def _prepare(self, cursor, connection) -> None:
        # This thread's connection, also when given ``django.db.connection`` (a proxy shared by the
        # threads, whose own attributes would mix up their connections' prepared statements).
        connection = connections[connection.alias]
        raw = connection.connection
        # Which raw connection each statement was prepared on: a new connection prepares again.
        prepared = connection.__dict__.setdefault("_prepared_statements", {})
        if prepared.get(self.name) is not raw:
            types = f" ({', '.join(self.types)})" if self.types else ""
            # Sent without parameters, so psycopg2 leaves any % in the statement alone.
            cursor.execute(f"PREPARE {self.name}{types} AS {self.sql}")
            prepared[self.name] = raw

    def _execute(self, params: list) -> tuple[str, list]:
        if params:
            return f"EXECUTE {self.name} ({', '.join(['%s'] * len(params))})", list(params)
        return f"EXECUTE {self.name}", []


def _numbered(sql: str) -> str:
    """psycopg2's ``%s`` placeholders as PostgreSQL's ``$1``, ``$2``, ... (``%%`` back to ``%``)."""
    numbers = itertools.count(1)
    return re.sub(r"%%|%s", lambda m: "%" if m.group() == "%%" else f"${next(numbers)}", sql)
