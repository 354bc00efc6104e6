"""Administrators' pages: the questionnaire import, previewed and then applied all or nothing."""

from __future__ import annotations

import re
import secrets
import tempfile
import time
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, redirect, request, url_for
from flask_babel import gettext
from flask_wtf.csrf import generate_csrf

from graph import DataError
from graph.ingest.questionnaire import (
    ALLOWED_LABELS,
    MAX_IMPORT_BYTES,
    apply_import,
    confirm_suggestions,
    plan_import,
    template,
)
from graph.ingest.spreadsheets import csv_bytes, xlsx_bytes

from ..auth import admin_only, current_account
from ..db import get_store
from ..presenters import nodes as present
from ..render import page, render
from .sdg_suggest import present_suggestions

bp = Blueprint("admin", __name__)
TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
# An uploaded file waits this long for the admin to apply it.
KEEP_S = 3600
# Beside each waiting file, its name as uploaded, for the change record of the import.
NAME_SUFFIX = ".name"


def _upload_dir() -> Path:
    path = Path(current_app.config.get("IMPORT_DIR") or Path(tempfile.gettempdir()) / "common-ground-imports")
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    for old in path.iterdir():  # uploads never applied
        if old.stat().st_mtime < time.time() - KEEP_S:
            old.unlink(missing_ok=True)
    return path


def _preview(plan) -> list[dict]:
    store, lang = get_store(), present.current_lang()
    return [{"row": r.row, "name": r.name, "country": r.country, "status": r.status, "municipality": r.municipality,
             "matched_by": r.matched_by, "offers": r.offers, "seeks": r.seeks, "sdgs": r.sdgs,
             "suggestions": [{"id": i, "name": n} for i, n in r.suggestions],
             "suggested": present_suggestions(store, r.sdg_suggestions, lang)["goals"] if r.sdg_suggestions else [],
             "errors": [{"field": f, "code": code, "message": problem_message(code, values)}
                        for f, code, values in r.codes]} for r in plan.rows]


def problem_message(code: str, values: dict) -> str:
    """Return the translated message for a questionnaire row's problem."""
    messages = {
        "required": gettext("required"),
        "duplicate": gettext("the same municipality as row %(row)s"),
        "invalid": gettext("This value cannot be stored: %(reason)s"),
        "unknown_language": gettext("%(value)s is not one of %(allowed)s"),
        "unknown_theme": gettext("unknown theme %(value)s"),
        "unknown_sdg": gettext("unknown SDG %(value)s (1 to 17)"),
        "bad_language_code": gettext("not an ISO 639 language code: %(value)s"),
        "too_long": gettext("At most %(max)d characters, please."),
        "not_yes_no": gettext("%(value)s is not yes or no"),
        "unknown_municipality": gettext("There is no municipality “%(value)s” in %(country)s. Did you mean: "
                                        "%(suggestions)s? To add it as a new municipality, write yes in the "
                                        "column new_municipality."),
        "ambiguous_municipality": gettext("“%(value)s” names several municipalities in %(country)s "
                                          "(%(candidates)s): add the NIS code."),
        "unknown_nis_code": gettext("No municipality has NIS code %(value)s."),
    }
    values = dict(values, reason=values.get("detail", ""))
    return messages[code] % values if code in messages else code


@page(bp, "/<lang:lang>/admin/import-profiles", methods=["GET", "POST"], cache=False)
@admin_only
def import_profiles(fmt: str):
    """Upload a questionnaire (CSV or XLSX), see what it would do, then apply it all or nothing."""
    context = {"title": gettext("Import profiles from a questionnaire"), "rows": None, "token": None, "ok": False,
               "error": None, "csrf_token": generate_csrf(), "max_bytes": MAX_IMPORT_BYTES, "applied": None}
    status = 200
    if request.method == "POST":
        data, name, token = _incoming()
        if data is None:
            context["error"] = gettext("Choose a CSV or XLSX file to upload.")
            return render("editing/import_profiles.html", context, fmt, 400)
        try:
            plan = plan_import(get_store(), data, name)
        except DataError as exc:
            context["error"] = gettext("The file cannot be read: %(reason)s", reason=str(exc))
            return render("editing/import_profiles.html", context, fmt, 400)
        context.update(rows=_preview(plan), ok=plan.ok)
        body = request.get_json() if request.is_json else request.form
        # A JSON body arrives as form values (webapp/json_body.py): true is "true", false "false".
        apply = (body.get("apply") or "") not in ("", "false", "0")
        if apply and token:
            confirm_suggestions(plan, _confirmed())
            if not plan.ok:
                context["error"] = gettext("The file has problems, so nothing was imported. Correct the rows "
                                           "listed below and upload it again.")
                return render("editing/import_profiles.html", context, fmt, 400)
            change = apply_import(get_store(), plan, current_account().actor)
            (_upload_dir() / token).unlink(missing_ok=True)
            (_upload_dir() / (token + NAME_SUFFIX)).unlink(missing_ok=True)
            if fmt == "json":
                return {"applied": True, "rows": len(plan.rows), "change": change.seq if change else None}
            return redirect(url_for("history.recent"), 303)
        if plan.ok:
            token = token or secrets.token_urlsafe(24)
            (_upload_dir() / token).write_bytes(data)
            (_upload_dir() / (token + NAME_SUFFIX)).write_text(Path(name).name[:200], encoding="utf-8")
            context["token"] = token
        else:
            status = 400
    return render("editing/import_profiles.html", context, fmt, status)


TEMPLATE_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


@bp.route("/<lang:lang>/admin/import-profiles/questionnaire.<any(xlsx, csv):ext>")
@admin_only
def questionnaire_template(ext: str):
    """The questionnaire to send out, in the page's language: XLSX with a sheet of allowed values, or
    CSV (semicolons, BOM) with only the header; ``?values=1`` gives the allowed values as CSV."""
    lang = present.current_lang()
    header, allowed = template(get_store(), lang)
    if ext == "xlsx":
        data = xlsx_bytes([(gettext("Questionnaire"), [header]), (ALLOWED_LABELS["sheet"][lang], allowed)])
        name = f"questionnaire-{lang}.xlsx"
    elif request.args.get("values"):
        data, name = csv_bytes(allowed), f"questionnaire-{lang}-allowed-values.csv"
    else:
        data, name = csv_bytes([header]), f"questionnaire-{lang}.csv"
    return Response(data, mimetype=TEMPLATE_TYPES[ext],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _confirmed() -> set[tuple[int, str]]:
    """The suggested SDGs the admin ticked in the preview: ``confirm`` values "<row>|sdg:<n>"."""
    body = request.get_json(silent=True) if request.is_json else None
    values = (body or {}).get("confirm") if body else request.form.getlist("confirm")
    pairs = set()
    for value in values if isinstance(values, list) else []:
        row, _, sdg = str(value).partition("|")
        if row.isdigit() and re.fullmatch(r"sdg:(?:1[0-7]|[1-9])", sdg):
            pairs.add((int(row), sdg))
    return pairs


def _incoming() -> tuple[bytes | None, str, str | None]:
    """Return the uploaded file (or the one kept under the posted token), its name and its token."""
    upload = request.files.get("file")
    if upload and upload.filename:
        data = upload.stream.read(MAX_IMPORT_BYTES + 1)
        return data, upload.filename, None
    body = request.get_json(silent=True) if request.is_json else None
    token = (body or {}).get("token") if body else request.form.get("token")
    if isinstance(token, str) and TOKEN.match(token):
        path = _upload_dir() / token
        if path.is_file():
            # The file's own name, kept beside it at preview: the change record names it, in no
            # one language (a preview kept before names were kept is called "the uploaded file").
            named = path.with_name(path.name + NAME_SUFFIX)
            name = named.read_text(encoding="utf-8") if named.is_file() else gettext("the uploaded file")
            return path.read_bytes(), name, token
        abort(400, description=gettext("This preview has expired. Upload the file again."))
    return None, "", None
