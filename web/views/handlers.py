"""Requests to the generated views: GET renders, POST saves, then redirects (303) or shows the
form again with its errors (422).

    GET  .../{entity}            list (?format=csv|json: export; ?format=options: picker JSON)
    POST .../{entity}            op=filter (-> GET with the query), op=delete / op=export (ids=..)
    GET  .../{entity}/new        create form          POST: create -> detail
    GET  .../{entity}/{id}       detail               POST op=delete: delete -> list
    GET  .../{entity}/{id}/edit  edit form            POST: update -> detail

Levels come from the entity's `x-acl` through the DBAL scope: read for list and detail, create,
update and delete for the rest; an anonymous visitor is sent to the login page, anyone else
below the level gets the access-denied page. Owner rules and tenant filters are the DBAL's.
"""

from __future__ import annotations

from typing import Any, Final
from urllib.parse import parse_qsl

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import ImmutableMultiDict
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from dbal.errors import (
    ConflictError,
    DataError,
    ForbiddenError,
    NotFoundError,
    ValidationError,
)
from web.identity import current_identity
from web.services import WebServices, services
from web.views.detail import detail_view
from web.views.fields import row_label
from web.views.forms import (
    dangling_references,
    field_errors,
    form_fields,
    form_view,
    initial_values,
    parse_form,
    posted_values,
    unique_clashes,
)
from web.views.listing import (
    ListQuery,
    delete_selected,
    export_rows,
    file_response,
    list_view,
    may,
    picker_options,
    selected_rows,
)
from web.views.render import render_view
from web.views.target import Target, denied, not_found, refusal, scope_for, system_page

NOTICES: Final = {"created": "Record created.", "updated": "Changes saved."}
MAX_FIELDS: Final = 2000
MAX_FORM_BYTES: Final = 2_000_000


def _notice(request: Request) -> str:
    done = request.query_params.get("done", "")
    if done == "deleted":
        count = request.query_params.get("n", "")
        return f"{int(count) if count.isdigit() else 0} record(s) deleted."
    return NOTICES.get(done, "")


def _installed(svc: WebServices, target: Target) -> set[str]:
    return {r["package_id"] for r in svc.db.installed_packages.list(target.tenant["id"])}


def _fk_links(svc: WebServices, target: Target) -> dict[str, str]:
    links = {}
    for fk in target.model.foreign_keys:
        try:
            aimed = svc.db.schema.get(fk.entity, target.package_id).model
        except DataError:
            continue
        links[fk.field] = f"/{target.slug}/{aimed.package_id}/{aimed.name}"
    return links


# -- GET -------------------------------------------------------------------------------------


async def show(request: Request, target: Target) -> Response:
    return await run_in_threadpool(_show, request, services(request), target)


def _show(request: Request, svc: WebServices, target: Target) -> Response:
    scope = scope_for(current_identity(request), target.tenant)
    model = target.model
    if target.action == "list":
        refused = refusal(request, target, "read")
        if refused is not None:
            return refused
        query = ListQuery.parse(request.query_params)
        fmt = request.query_params.get("format")
        if fmt == "options":
            q = str(request.query_params.get("q") or "")[:200]
            try:
                return JSONResponse(picker_options(svc.db, scope, model, q))
            except DataError as exc:
                return JSONResponse(exc.to_dict(), status_code=exc.http_status)
        if fmt in ("csv", "json"):
            try:
                return file_response(model, export_rows(svc.db, scope, model, query), fmt)
            except DataError as exc:
                return JSONResponse(exc.to_dict(), status_code=exc.http_status)
        return _list(request, svc, target, query, notice=_notice(request))
    if target.action == "new":
        refused = refusal(request, target, "create")
        if refused is not None:
            return refused
        fields = form_fields(model, scope, creating=True)
        return _form(request, svc, target, fields, initial_values(model, None), {})
    assert target.record_id is not None
    refused = refusal(request, target, "read" if target.action == "detail" else "update")
    if refused is not None:
        return refused
    try:
        row = svc.db.entities(scope, package=model.package_id).read(model.name, target.record_id)
    except NotFoundError:
        return not_found(request, target.slug, f"No {model.name} {target.record_id!r}.")
    if target.action == "edit":
        if not may(model, scope, "update", row):  # someone else's row under an owner rule
            return denied(request, target, model.acl["update"].level)
        fields = form_fields(model, scope, creating=False)
        return _form(request, svc, target, fields, initial_values(model, row), {}, row=row)
    view = detail_view(
        svc.db,
        scope,
        model,
        row,
        slug=target.slug,
        base=target.base,
        installed=_installed(svc, target),
    )
    view["notice"] = _notice(request)
    view["homeHref"] = f"/{target.slug}"
    return render_view(request, target, "detail", view, title=view["title"])


def _list(
    request: Request,
    svc: WebServices,
    target: Target,
    query: ListQuery,
    *,
    notice: str = "",
    error: str = "",
    status: int = 200,
) -> Response:
    scope = scope_for(current_identity(request), target.tenant)
    links = _fk_links(svc, target)
    view = list_view(svc.db, scope, target.model, target.base, query, links)
    view.update(notice=notice, homeHref=f"/{target.slug}")
    if error:
        view["error"] = error
    return render_view(request, target, "list", view, title=view["title"], status=status)


def _form(
    request: Request,
    svc: WebServices,
    target: Target,
    fields: list[Any],
    values: dict[str, str],
    errors: dict[str, str],
    *,
    row: dict[str, Any] | None = None,
    error: str = "",
    status: int = 200,
) -> Response:
    scope = scope_for(current_identity(request), target.tenant)
    view = form_view(
        svc.db,
        scope,
        target.model,
        slug=target.slug,
        base=target.base,
        fields=fields,
        values=values,
        errors=errors,
        error=error,
        record_id=target.record_id,
        record_label=row_label(target.model, row) if row is not None else "",
    )
    view["homeHref"] = f"/{target.slug}"
    return render_view(request, target, "form", view, title=view["title"], status=status)


# -- POST ------------------------------------------------------------------------------------


async def submit(request: Request, target: Target) -> Response:
    form = await read_form(request)
    if form is None:
        return system_page(request, target.slug, 400, "Bad request", ["The form was unreadable."])
    return await run_in_threadpool(_submit, request, services(request), target, form)


async def read_form(request: Request) -> ImmutableMultiDict[str, str] | None:
    """An urlencoded form body (the only kind these views post), repeated names kept."""
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return None
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_FORM_BYTES:
            return None
    try:
        pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except (UnicodeDecodeError, ValueError):
        return None
    return ImmutableMultiDict(pairs)


def _submit(request: Request, svc: WebServices, target: Target, form: Any) -> Response:
    identity = current_identity(request)
    scope = scope_for(identity, target.tenant)
    model = target.model
    op = str(form.get("op") or "")
    if target.action == "list":
        if op == "filter":
            query = ListQuery.parse(form)
            return RedirectResponse(query.url(target.base, offset=0), status_code=303)
        ids = [str(i) for i in form.getlist("ids")]
        if op == "export":
            refused = refusal(request, target, "read")
            return refused or file_response(model, selected_rows(svc.db, scope, model, ids), "csv")
        if op == "delete":
            refused = refusal(request, target, "delete")
            if refused is not None:
                return refused
            query = ListQuery.parse(request.query_params)
            try:
                count = delete_selected(svc.db, scope, model, ids)
            except (ConflictError, ValidationError) as exc:  # rows others point at (restrict)
                return _list(request, svc, target, query, error=exc.message, status=409)
            back = query.url(target.base)
            joiner = "&" if "?" in back else "?"
            return RedirectResponse(f"{back}{joiner}done=deleted&n={count}", status_code=303)
        return not_found(request, target.slug, "Unknown operation.")
    if target.action == "detail":
        if op != "delete":
            return not_found(request, target.slug, "Unknown operation.")
        refused = refusal(request, target, "delete")
        if refused is not None:
            return refused
        assert target.record_id is not None
        ents = svc.db.entities(scope, package=model.package_id)
        try:
            if not may(model, scope, "delete", ents.read(model.name, target.record_id)):
                return denied(request, target, model.acl["delete"].level)
            ents.delete(model.name, target.record_id)
        except NotFoundError:
            return not_found(request, target.slug, f"No {model.name} {target.record_id!r}.")
        except ForbiddenError:
            return denied(request, target, model.acl["delete"].level)
        except (ConflictError, ValidationError) as exc:  # rows others point at (restrict)
            return _detail_error(request, svc, target, exc.message)
        return RedirectResponse(f"{target.base}?done=deleted&n=1", status_code=303)
    return _save(request, svc, target, form)


def _detail_error(request: Request, svc: WebServices, target: Target, message: str) -> Response:
    scope = scope_for(current_identity(request), target.tenant)
    model = target.model
    assert target.record_id is not None
    row = svc.db.entities(scope, package=model.package_id).read(model.name, target.record_id)
    view = detail_view(
        svc.db, scope, model, row, slug=target.slug, base=target.base,
        installed=_installed(svc, target),
    )  # fmt: skip
    view.update(error=message, notice="", homeHref=f"/{target.slug}")
    return render_view(request, target, "detail", view, title=view["title"], status=409)


def _save(request: Request, svc: WebServices, target: Target, form: Any) -> Response:
    creating = target.action == "new"
    refused = refusal(request, target, "create" if creating else "update")
    if refused is not None:
        return refused
    scope = scope_for(current_identity(request), target.tenant)
    model = target.model
    ents = svc.db.entities(scope, package=model.package_id)
    fields = form_fields(model, scope, creating=creating)
    row = None
    if not creating:
        assert target.record_id is not None
        try:
            row = ents.read(model.name, target.record_id)
        except NotFoundError:
            return not_found(request, target.slug, f"No {model.name} {target.record_id!r}.")
        if not may(model, scope, "update", row):
            return denied(request, target, model.acl["update"].level)
    data, problems = parse_form(model, fields, form, creating=creating)
    values = posted_values(fields, form)
    errors = {str(p["field"]): str(p["error"]) for p in problems}
    message = ""
    if not errors:
        try:
            if creating:
                saved = ents.create(model.name, data)
            else:
                assert target.record_id is not None
                saved = ents.update(model.name, target.record_id, data)
        except ConflictError as exc:
            clashes = unique_clashes(svc.db, target.tenant["id"], model, data, target.record_id)
            errors = {str(c["field"]): str(c["error"]) for c in clashes}
            message = "" if errors else exc.message
        except DataError as exc:
            errors, message = field_errors(exc)
            if message and not errors:  # a foreign key naming no row of this tenant
                dangling = dangling_references(svc.db, target.tenant["id"], model, data)
                errors = {str(d["field"]): str(d["error"]) for d in dangling}
                message = "" if errors else message
        else:
            done = "created" if creating else "updated"
            return RedirectResponse(target.record_url(str(saved["id"]), f"?done={done}"), 303)
    return _form(request, svc, target, fields, values, errors, row=row, error=message, status=422)


__all__ = ["show", "submit"]
