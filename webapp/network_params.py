"""The network page's filters: read from the query string, checked, turned into a NetworkFilter.

The same parameters serve the page, its embeddable variant and the exports,
so a permalink, an embed and a download of one selection agree.  A value
that names nothing gives a translated 400 that names the filter.
"""

from __future__ import annotations

from flask import abort, current_app, request
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from graph.network.selection import STATUSES, FilterError, NetworkFilter, network_filter

from .labels import kind_name, property_name

# Query parameters, in the form's order.
PARAMS = ("association", "province", "country", "continent", "kind", "status", "theme", "sdg", "from", "to",
          "dormant")
LABELS = {
    "association": _l("Association"),
    "province": _l("Province"),
    "continent": _l("Continent or region"),
    "kind": _l("Kind of partnership"),
    "from": _l("Active from"),
    "to": _l("Active until"),
    "dormant": _l("Dormant after (years without activity)"),
}


def filter_label(name: str) -> str:
    """Return the translated name of a filter, as forms and error messages show it."""
    if name in LABELS:
        return str(LABELS[name])
    if name in ("theme", "sdg"):
        return kind_name("Theme" if name == "theme" else "SDG")
    return property_name(name)


def _unknown(name: str, value) -> None:
    abort(400, description=gettext("Unknown value for %(facet)s: %(value)s", facet=filter_label(name), value=value))


def _values(name: str) -> list[str]:
    return list(dict.fromkeys(v.strip() for v in request.args.getlist(name) if v.strip()))


def _year(name: str, low: int = 1800, high: int = 2200) -> int | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()) or not low <= int(raw) <= high:
        abort(400, description=gettext("%(name)s must be a whole number between %(low)d and %(high)d",
                                       name=filter_label(name), low=low, high=high))
    return int(raw)


def read_filter(store) -> NetworkFilter:
    """Read and check every network filter of the request (graph.network.selection.network_filter checks the values)."""
    dormant = _year("dormant", 1, 100) or int(current_app.config["NETWORK_DORMANT_YEARS"])
    try:
        return network_filter(
            store, request.args.get("association", "").strip() or None, *(_values(name) for name in (
                "province", "country", "continent", "kind", "status", "theme", "sdg")),
            active_from=_year("from"), active_to=_year("to"), dormant_years=dormant)
    except FilterError as exc:
        _unknown(exc.filter, exc.value)


def chosen(flt: NetworkFilter) -> dict:
    """Return the filter as the form shows it (what the request chose, in parameter names)."""
    return {"association": flt.association, "province": list(flt.provinces), "country": list(flt.countries),
            "continent": list(flt.regions), "kind": list(flt.kinds), "status": list(flt.statuses),
            "theme": list(flt.themes), "sdg": list(flt.sdgs), "from": flt.active_from, "to": flt.active_to,
            "dormant": flt.dormant_years}


def query_of(flt: NetworkFilter) -> list[tuple[str, str]]:
    """Return the query string items that select ``flt`` again (for export links and the embed)."""
    items = []
    for name, value in chosen(flt).items():
        for v in value if isinstance(value, list) else [value]:
            if v is not None and v != "" and not (name == "dormant" and v == current_app.config["NETWORK_DORMANT_YEARS"]):
                items.append((name, str(v)))
    return items


STATUS_NAMES = {"active": _l("active"), "dormant": _l("dormant"), "ended": _l("ended")}


def status_options() -> list[dict]:
    return [{"value": s, "label": str(STATUS_NAMES[s])} for s in STATUSES]
