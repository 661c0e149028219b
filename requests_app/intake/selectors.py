"""Reads of the intake app (no writes, no audit)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Model

from requests_app.intake.models import ApiToken
from requests_app.models import Agency, Officer


def email_domain(email: str) -> str:
    return email.rsplit("@", 1)[-1].strip().lower()


def agency_for_email(email: str) -> Agency | None:
    """The agency whose official domains include this address's domain, if any."""
    domain = email_domain(email)
    if not domain:
        return None
    # email_domains is a short JSON list; filtering in Python keeps this portable across SQLite and PostgreSQL.
    for agency in Agency.objects.exclude(email_domains=[]).only(
        "id", "email_domains", "verification_status", "name", "country"
    ):
        if domain in {d.lower() for d in agency.email_domains}:
            return agency
    return None


def active_token(digest: str, *, now: datetime) -> ApiToken | None:
    """The active token (not revoked, not expired at `now`) with this digest, with its user, the user's officer
    and the officer's agency: what ApiToken.objects.active().select_related("user", "user__officer",
    "user__officer__agency").filter(digest=…).first() answers, without compiling that query again on every API
    call (~1 ms of CPU, the largest part of token authentication). The statement is built once per process
    from the models' fields; the rows become instances through Model.from_db, the related ones linked by
    assignment (so no further query reads them), values converted by each field's from_db_value."""
    if connection.vendor != "postgresql":  # other backends convert some column types (SQLite: dates, booleans)
        return _active_token_by_orm(digest, now=now)
    statement = _token_statement()
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, [digest, now])
        row = cursor.fetchone()
    if row is None:
        return None
    token, user, officer, agency = statement.instances(row)
    if officer is None:
        # No officer profile: let the ORM build the user with its (empty) relation, as before.
        return _active_token_by_orm(digest, now=now)
    token.user = user
    if agency is not None:
        officer.agency = agency
    user.officer = officer
    return token


def _active_token_by_orm(digest: str, *, now: datetime) -> ApiToken | None:
    return (
        ApiToken.objects.active(now)
        .select_related("user", "user__officer", "user__officer__agency")
        .filter(digest=digest)
        .first()
    )


@dataclass(frozen=True)
class _Joined:
    """One SELECT over several models' columns, and how to cut its rows back into instances."""

    sql: str
    joined: tuple[type[Model], ...]

    def instances(self, row: tuple[Any, ...]) -> list[Any]:
        out: list[Any] = []
        start = 0
        for model in self.joined:
            fields = model._meta.concrete_fields
            values = row[start : start + len(fields)]
            start += len(fields)
            if values[0] is None:  # an outer join that found nothing (the primary key is never NULL)
                out.append(None)
                continue
            converted = [
                f.from_db_value(v, None, connection) if v is not None and hasattr(f, "from_db_value") else v
                for f, v in zip(fields, values, strict=True)
            ]
            out.append(model.from_db(connection.alias, [f.attname for f in fields], converted))
        return out


@functools.cache
def _token_statement() -> _Joined:
    user_model = get_user_model()
    joined: tuple[type[Model], ...] = (ApiToken, user_model, Officer, Agency)
    qn = connection.ops.quote_name
    columns = ", ".join(
        f"{alias}.{qn(f.column)}"
        for alias, model in zip("tuoa", joined, strict=True)
        for f in model._meta.concrete_fields
    )
    token, officer = ApiToken._meta, Officer._meta
    sql = (
        f"SELECT {columns} FROM {qn(token.db_table)} t"  # noqa: S608 (the models' own names; values are parameters)
        f" INNER JOIN {qn(user_model._meta.db_table)} u ON u.{qn(user_model._meta.pk.column)} = t.{qn(token.get_field('user').column)}"
        f" LEFT OUTER JOIN {qn(officer.db_table)} o ON o.{qn(officer.get_field('user').column)} = u.{qn(user_model._meta.pk.column)}"
        f" LEFT OUTER JOIN {qn(Agency._meta.db_table)} a ON a.{qn(Agency._meta.pk.column)} = o.{qn(officer.get_field('agency').column)}"
        f" WHERE t.{qn(token.get_field('digest').column)} = %s AND t.{qn(token.get_field('revoked_at').column)} IS NULL"
        f" AND (t.{qn(token.get_field('expires_at').column)} IS NULL OR t.{qn(token.get_field('expires_at').column)} > %s)"
        " LIMIT 1"
    )
    return _Joined(sql=sql, joined=joined)
