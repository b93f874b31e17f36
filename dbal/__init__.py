"""MetaBuilder's data layer: tenant-scoped, ACL-enforcing access to SQLite and PostgreSQL.

Start at `dbal.database.Database`. Every call that reaches tenant data takes a
`dbal.scope.Scope` (tenant + user + level 0..5, or the explicit `Scope.system()`); the query
core injects the tenant filter, `x-acl` levels and owner rules, so callers cannot forget them.

Where things are:

    scope.py            who is asking (levels public..supergod, system scope)
    errors.py           the exception tree with wire codes and HTTP statuses
    database.py         the front door: connect, upgrade, ping, repositories, entities
    engine.py           engines (SQLite WAL + pragmas, psycopg 3), driver error translation
    tables.py           the core schema; migrations/ its Alembic revisions
    tenants.py kv.py page_configs.py installed_packages.py runs.py   core repositories
    accounts/           users, credentials, sessions, memberships, tokens (auth subsystem)
    entity_model.py     entity JSON Schema + x- extensions -> EntityModel
    entity_yaml.py      the original project's entity YAML -> the same schemas
    entity_tables.py    EntityModel -> tables (tenant_id, tenant-safe foreign keys)
    schema.py           registry of package entities and their computed migrations
    validation.py       row validation with field-level errors
    filters.py pagination.py search.py   the safe query grammar, cursors, full-text search
    query.py            scope -> WHERE conditions; prebuilt statements per entity
    entities.py         the entity API used by scripts (`ctx.db`) and the REST layer
    audit.py cache.py   audit rows in the same transaction; the optional row cache

The sandbox's `ctx.db` and the REST layer map one to one onto `dbal.entities.Entities`:

    ents = db.entities(Scope.for_user(tenant_id, user_id, level), package=package_id)
    ents.list(name, filter=..., sort=..., limit=..., cursor=... | offset=..., total=...)
    ents.read(name, id) / create(name, data) / update(name, id, data) / delete(name, id)
    ents.count(name, filter=...) / search(name, text, filter=..., limit=...)
    ents.create_many / update_many / delete_many / upsert / aggregate
    with db.transaction(scope, package=package_id) as tx: ...

Results are plain dicts (timestamps as aware datetimes); errors are `dbal.errors.DataError`
subclasses whose `to_dict()` is the HTTP error body and whose `http_status` is its status.
"""
