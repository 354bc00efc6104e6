"""The ``kb`` command: seed, import, export, load and serve the knowledge base."""

from __future__ import annotations

import os
import secrets
import sys
from contextlib import contextmanager
from pathlib import Path

import click

from graph import DataError, GraphError, default_data_dir, open_store
from graph.accounts.model import ROLES, AccountError, open_accounts
from graph.errors import NotFound
from graph.ingest.exchange import MAX_LOAD_BYTES, MAX_LOAD_RECORDS, export_json, load_json
from graph.ingest.questionnaire import MAX_IMPORT_ROWS as MAX_PROFILE_ROWS
from graph.ingest.questionnaire import apply_import, plan_import
from graph.ingest.seeds import SEEDS_DIR, seed
from graph.ingest.twinnings import MAX_IMPORT_BYTES, MAX_IMPORT_ROWS, import_twinnings
from graph.network.export import export_graph, write_export
from graph.network.selection import DORMANT_YEARS, STATUSES, FilterError, network_filter, read_network
from graph.operations.backup import default_backup_dir, restore_backup, write_backup
from graph.operations.integrity import check_store
from graph.schema import LANGUAGES, YEAR_MAX, YEAR_MIN
from graph.workspace.privacy import Visibility


@contextmanager
def _opened_store(finish_interrupted: bool = True):
    """Open the configured store; report any graph error as a clean command failure.

    A restore or import that a killed process left unfinished is completed (or undone) first, unless
    the command only looks.
    """
    try:
        with open_store() as store:
            if finish_interrupted:
                _finish_interrupted(store)
            yield store
    except GraphError as exc:
        raise click.ClickException(str(exc)) from exc


def _finish_interrupted(store) -> None:
    done = store.finish_interrupted()
    if done:
        click.echo(done)


@click.group()
def main() -> None:
    """Common Ground knowledge base."""


@main.command("seed")
@click.option("--seeds-dir", type=click.Path(exists=True, file_okay=False), default=str(SEEDS_DIR),
              show_default=True)
@click.option("--force", is_flag=True, help="Write the seeds even if the store holds these very seeds.")
def seed_command(seeds_dir: str, force: bool) -> None:
    """Load the seed knowledge (idempotent; nothing is written when the seeds are unchanged)."""
    with _opened_store() as store:
        click.echo(_seeded_message(store, seed(store, seeds_dir, force=force)))


def _seeded_message(store, written: dict) -> str:
    if written["unchanged"]:
        return f"the {store.backend} store already holds these seeds: nothing written"
    return (f"seeded {written['nodes']} nodes and {written['edges']} edges into the {store.backend} store "
            f"({written['changed']} created or changed)")


@main.command("migrate")
def migrate_command() -> None:
    """Bring the store's data up to this version's format (opening it migrates it; listed values are folded)."""
    from graph.ingest.closed_values import fold_closed_values

    with _opened_store() as store:
        folding = fold_closed_values(store)
        if folding.nodes:
            click.echo(f"folded free-text values of {folding.nodes} nodes onto the schema's lists "
                       f"(change #{folding.change}):")
            for (key, value), listed in sorted(folding.folded.items()):
                click.echo(f"  {key}: {value!r} -> {listed!r}")
        for (key, value), ids in sorted(folding.unplaced.items()):
            click.echo(f"  {key}: {value!r} names no listed value; choose one on the edit form of: "
                       + ", ".join(ids[:10]) + (" ..." if len(ids) > 10 else ""))
        for node_id, keys in sorted(folding.years_out_of_range.items()):
            click.echo(f"  {node_id}: {', '.join(keys)} out of {YEAR_MIN}-{YEAR_MAX}; correct it on its edit form")
        counts = store.count_by_kind()
        click.echo(f"the {store.backend} store is up to date: {sum(counts.values())} nodes, "
                   f"{store.count_edges()} edges")


@main.command("migrate-ids")
@click.option("--dry-run", is_flag=True, help="Only say what would move.")
def migrate_ids_command(dry_run: bool) -> None:
    """Move municipalities whose id lost letters to the ids transliterated names give (idempotent)."""
    from graph.ingest.id_migration import migrate_ids

    with _opened_store() as store:
        report = migrate_ids(store, dry_run=dry_run)
    verb = "would move" if dry_run else "moved"
    click.echo(f"{verb} {len(report.moved)} ids; {len(report.rekeyed)} match keys brought up to date"
               + (f"; {len(report.finished)} old nodes of an interrupted run deleted" if report.finished else ""))
    for old, new in report.moved.items():
        click.echo(f"  {old} -> {new}")


@main.command("import-twinnings")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--show-skipped/--no-show-skipped", default=True)
@click.option("--max-bytes", type=click.IntRange(1), default=MAX_IMPORT_BYTES, show_default=True,
              help="Refuse a larger file.")
@click.option("--max-rows", type=click.IntRange(1), default=MAX_IMPORT_ROWS, show_default=True,
              help="Refuse a file with more rows.")
def import_twinnings_command(file: str, show_skipped: bool, max_bytes: int, max_rows: int) -> None:
    """Import twin-town pairs from a CSV file (idempotent)."""
    with _opened_store() as store:
        report = import_twinnings(store, file, max_bytes, max_rows)
    click.echo(
        f"{report.rows} rows: {report.partnerships_created} partnerships created, "
        f"{report.already_linked} already linked, {report.municipalities_created} municipalities "
        f"created, {report.municipalities_matched} matched, {len(report.skipped)} skipped"
    )
    if show_skipped:
        for row, reason in report.skipped:
            click.echo(f"  skipped row {row}: {reason}")
    unmapped = report.unmapped_countries
    click.echo(f"{len(unmapped)} country spellings without an ISO code"
               + (" (add them to graph/places/countries.py ALIASES if they name a country):" if unmapped else ""))
    for spelling, cities in sorted(unmapped.items()):
        click.echo(f"  {spelling!r}: {cities} {'city' if cities == 1 else 'cities'}")
    if report.duplicates_folded:
        click.echo(f"{report.duplicates_folded} towns that an earlier import had made twice by country "
                   "spelling were folded into one, edges and provenance kept")
    click.echo(f"{report.spelling_duplicates} duplicate towns caused by country spellings")
    _echo_places(report)


def _echo_places(report) -> None:
    """The gazetteer's part of the import report: every join, province, doubt and contradiction."""
    places = report.places
    if report.reconciled:
        click.echo(f"{report.reconciled} nodes of an earlier import reconciled with the gazetteer (one change)")
    click.echo(f"{len(places.joined)} Belgian places joined to a member:")
    for row, name, member, via, km in places.joined:
        click.echo(f"  row {row}: {name} -> {member} ({via}" + (f", {km} km" if km is not None else "") + ")")
    click.echo(f"{len(places.regions)} provinces or regions, stored as organisations, never as municipalities:")
    for row, name, organisation in places.regions:
        click.echo(f"  row {row}: {name} -> {organisation}")
    click.echo(f"{len(places.unresolved)} Belgian places left as they are, ambiguous or unconfirmed:")
    for row, name, reason, candidates in places.unresolved:
        click.echo(f"  row {row}: {name}: {reason}; candidates: {', '.join(candidates) or 'none'}")
    click.echo(f"{len(places.outside_country)} places whose coordinates lie outside their country:")
    for row, name, country, lies_in in places.outside_country:
        click.echo(f"  row {row}: {name}, {country}: the coordinates lie in {lies_in}")
    click.echo(f"{len(places.far_apart)} name and country keys whose rows lie far apart:")
    for key, km, first, other in places.far_apart:
        click.echo(f"  {key}: rows {first} and {other} are {km} km apart")


@main.command("import-profiles")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Show what would be imported; write nothing.")
@click.option("--max-rows", type=click.IntRange(1), default=MAX_PROFILE_ROWS, show_default=True,
              help="Refuse a file with more rows.")
def import_profiles_command(file: str, dry_run: bool, max_rows: int) -> None:
    """Import municipality profiles from a questionnaire (CSV or XLSX), all or nothing."""
    with _opened_store() as store:
        data = Path(file).read_bytes()
        plan = plan_import(store, data, file, max_rows)
        for row in plan.rows:
            where = f"row {row.row}: {row.name} ({row.country})"
            if row.errors:
                for column, message in row.errors:
                    click.echo(f"  {where}: field {column!r}: {message}")
            else:
                how = f"matched {row.municipality} by {row.matched_by}" if row.status == "matched" else \
                    f"new {row.municipality}"
                click.echo(f"  {where}: {how}; offers {len(row.offers)}, seeks {len(row.seeks)}, "
                           f"SDGs {len(row.sdgs)}")
        if plan.errors:
            raise click.ClickException(f"{len(plan.errors)} problems in {file}: nothing imported")
        if dry_run:
            click.echo(f"{len(plan.rows)} rows can be imported (dry run: nothing written)")
            return
        change = apply_import(store, plan, "kb import-profiles")
    click.echo(f"imported {len(plan.rows)} rows" + (f" (change #{change.seq})" if change else " (nothing new)"))


@main.command("export")
@click.option("--format", "fmt", type=click.Choice(["json", "gexf", "graphml", "csv"]), default="json",
              show_default=True)
@click.option("-o", "--output", default="-", show_default=True,
              help="File to write ('-': standard output); for csv, a folder that gets nodes.csv and edges.csv.")
@click.option("--network", "network_only", is_flag=True,
              help="With --format json: the member network (node-link) instead of the whole graph for kb load.")
@click.option("--association", help="The association whose members' network to export (default: VVSG).")
@click.option("--province", multiple=True, help="A member province (NIS code, e.g. 10000); repeatable.")
@click.option("--country", multiple=True, help="A partner country (ISO code or name); repeatable.")
@click.option("--continent", multiple=True, help="A UN region key (e.g. africa, latin-america); repeatable.")
@click.option("--kind", multiple=True, help="A kind of partnership (e.g. twinning); repeatable.")
@click.option("--status", multiple=True, type=click.Choice(STATUSES), help="Repeatable.")
@click.option("--theme", multiple=True, help="A theme id (theme:water); repeatable.")
@click.option("--sdg", multiple=True, help="An SDG (13 or sdg:13); repeatable.")
@click.option("--from", "active_from", type=click.IntRange(1800, 2200), help="Active from this year.")
@click.option("--to", "active_to", type=click.IntRange(1800, 2200), help="Active until this year.")
@click.option("--dormant-years", type=click.IntRange(1, 100), default=DORMANT_YEARS, show_default=True,
              help="Years without known activity after which a partnership counts as dormant.")
@click.option("--lang", type=click.Choice(LANGUAGES), default="nl", show_default=True,
              help="Language of the node labels.")
@click.option("--with-unpublished", is_flag=True,
              help="With --format json (the whole graph): include workspace sessions that are not published, "
                   "their answers and what they yielded (left out by default, as on the site).")
def export_command(fmt: str, output: str, network_only: bool, lang: str, with_unpublished: bool,
                   **filters) -> None:
    """Export the whole graph (node-link JSON for kb load), or the member network as GEXF, GraphML, CSV or JSON.

    GEXF, GraphML and CSV always export the network; so does json with --network.
    The filters are those of the network page.  Like the site, an export leaves out the
    workspace sessions that are not published (kb backup keeps everything).
    """
    with _opened_store() as store:
        if fmt == "json" and not network_only:
            with click.open_file(output, "w", encoding="utf-8") as out:
                export_json(store, out, None if with_unpublished else Visibility(store))
            return
        try:
            net = read_network(store, network_filter(store, **filters))
        except (FilterError, NotFound) as exc:
            raise click.ClickException(str(exc)) from exc
        if fmt == "csv" and output == "-":
            raise click.UsageError("--format csv writes nodes.csv and edges.csv: give a folder with -o")
        written = write_export(export_graph(net, lang), fmt, output)
    if output != "-":
        click.echo(f"wrote {', '.join(written)}: {len(net.partnerships)} partnerships of "
                   f"{len(net.members)} members", err=True)


@main.command("load")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--max-bytes", type=click.IntRange(1), default=MAX_LOAD_BYTES, show_default=True,
              help="Refuse a larger file.")
@click.option("--max-records", type=click.IntRange(1), default=MAX_LOAD_RECORDS, show_default=True,
              help="Refuse a file with more nodes and edges.")
def load_command(file: str, max_bytes: int, max_records: int) -> None:
    """Restore an export into an empty store."""
    with _opened_store() as store:
        loaded = load_json(store, file, max_bytes, max_records)
    click.echo(f"loaded {loaded['nodes']} nodes and {loaded['edges']} edges")


def _backup_dir(given: str | None) -> str:
    """The backup directory: --dir, else KB_BACKUP_DIR, else ``backups`` in the data directory."""
    return given or os.environ.get("KB_BACKUP_DIR") or str(
        default_backup_dir(os.environ.get("KB_DATA_DIR") or default_data_dir()))


@main.command("backup")
@click.option("--dir", "directory", type=click.Path(file_okay=False),
              help="Where backups go (default: KB_BACKUP_DIR, else 'backups' in KB_DATA_DIR).")
@click.option("--keep", type=click.IntRange(1), default=None,
              help="Keep only the last N backups in that directory (default: keep all).")
def backup_command(directory: str | None, keep: int | None) -> None:
    """Write a dated, verified export of the whole graph, and keep the last N."""
    with _opened_store() as store:
        backup = write_backup(store, _backup_dir(directory), keep)
    click.echo(f"backed up {backup.nodes} nodes and {backup.edges} edges to {backup.path} "
               f"(verified, sha256 {backup.digest})")
    for old in backup.removed:
        click.echo(f"  removed {old}")


@main.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--replace", is_flag=True,
              help="Replace what the store holds (saved first as a backup) instead of needing an empty store.")
@click.option("--dir", "directory", type=click.Path(file_okay=False),
              help="Where --replace saves the current contents (default: as for kb backup).")
@click.option("--max-bytes", type=click.IntRange(1), default=MAX_LOAD_BYTES, show_default=True,
              help="Refuse a larger file.")
@click.option("--max-records", type=click.IntRange(1), default=MAX_LOAD_RECORDS, show_default=True,
              help="Refuse a file with more nodes and edges.")
@click.option("--force", is_flag=True,
              help="Restore a file that has no .sha256 checksum file beside it (its records are still checked).")
def restore_command(file: str, replace: bool, directory: str | None, max_bytes: int, max_records: int,
                    force: bool) -> None:
    """Restore a backup, all or nothing (the whole file is checked before the store is touched)."""
    with _opened_store() as store:
        restored = restore_backup(store, file, replace, _backup_dir(directory), max_bytes, max_records, force=force)
    if restored["saved"]:
        click.echo(f"the previous contents were saved to {restored['saved']}")
    click.echo(f"restored {restored['nodes']} nodes and {restored['edges']} edges from {file}")


@main.command("check")
def check_command() -> None:
    """Check that the store can be read and that everything in it follows the schema."""
    try:
        with open_store() as store:
            report = check_store(store)
    except DataError as exc:
        raise click.ClickException(
            f"{exc}\nThe store cannot be read. Move it aside and restore the last backup into an empty store "
            "with kb restore FILE (docs/deployment.md, Backups).") from exc
    except GraphError as exc:
        raise click.ClickException(str(exc)) from exc
    for problem in report.problems:
        click.echo(problem)
    if report.unlisted:
        click.echo(f"... and {report.unlisted} more problems")
    if not report.ok:
        count = len(report.problems) + report.unlisted
        raise click.ClickException(f"{count} problem{'s' if count != 1 else ''} in "
                                   f"{report.nodes} nodes and {report.edges} edges")
    click.echo(f"ok: {report.nodes} nodes and {report.edges} edges follow the schema")


@main.command("clear")
@click.confirmation_option(prompt="Delete every node and edge?")
def clear_command() -> None:
    """Delete everything in the store."""
    with _opened_store() as store:
        store.clear()


@main.group("user")
def user_group() -> None:
    """Manage editor accounts (kept beside the graph, never in it)."""


@contextmanager
def _accounts():
    """Open the configured store's accounts; report refusals as clean command failures."""
    with _opened_store() as store:
        accounts = open_accounts(store)
        try:
            yield store, accounts
        except AccountError as exc:
            raise click.ClickException(str(exc)) from exc
        finally:
            accounts.close()


def _check_scopes_exist(store, scopes) -> None:
    missing = sorted(set(scopes) - set(store.get_nodes(scopes)))
    if missing:
        raise click.ClickException(f"not in the knowledge base: {', '.join(missing)}")


_password_option = click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
                                help="Asked for when not given (keep it out of your shell history).")


@user_group.command("add")
@click.argument("account_id")
@click.option("--role", type=click.Choice(ROLES), default="editor", show_default=True)
@click.option("--scope", "scopes", multiple=True,
              help="A municipality or organisation id the editor works for (repeat for more).")
@click.option("--name", "display_name", default="", help="The name shown beside the account's changes.")
@_password_option
def user_add(account_id: str, role: str, scopes: tuple, display_name: str, password: str) -> None:
    """Create an account."""
    with _accounts() as (store, accounts):
        _check_scopes_exist(store, scopes)
        account = accounts.add(account_id, password, role, scopes, display_name)
    click.echo(f"added {account.role} {account.id}" + (f" for {', '.join(account.scopes)}" if account.scopes else ""))


@user_group.command("disable")
@click.argument("account_id")
def user_disable(account_id: str) -> None:
    """Disable an account: it can no longer sign in, and its open sessions end."""
    with _accounts() as (_, accounts):
        accounts.set_active(account_id, False)
    click.echo(f"disabled {account_id}")


@user_group.command("enable")
@click.argument("account_id")
def user_enable(account_id: str) -> None:
    """Enable a disabled account again."""
    with _accounts() as (_, accounts):
        accounts.set_active(account_id, True)
    click.echo(f"enabled {account_id}")


@user_group.command("set-role")
@click.argument("account_id")
@click.argument("role", type=click.Choice(ROLES))
@click.option("--scope", "scopes", multiple=True, help="Replace the municipalities and organisations (repeat).")
def user_set_role(account_id: str, role: str, scopes: tuple) -> None:
    """Change an account's role and, with --scope, what it works for."""
    with _accounts() as (store, accounts):
        _check_scopes_exist(store, scopes)
        account = accounts.set_role(account_id, role, scopes or None)
    click.echo(f"{account.id} is now {account.role}" + (f" for {', '.join(account.scopes)}" if account.scopes else ""))


@user_group.command("reset-password")
@click.argument("account_id")
@_password_option
def user_reset_password(account_id: str, password: str) -> None:
    """Set a new password; every open session of the account ends."""
    with _accounts() as (_, accounts):
        accounts.set_password(account_id, password)
    click.echo(f"new password set for {account_id}")


@user_group.command("list")
def user_list() -> None:
    """List the accounts (never their passwords)."""
    with _accounts() as (_, accounts):
        for a in accounts.all():
            click.echo(f"{a.id}\t{a.role}\t{'active' if a.active else 'disabled'}\t{','.join(a.scopes)}")


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--seed/--no-seed", "with_seeds", default=True, show_default=True,
              help="Load the seeds first (idempotent).")
def serve_command(host: str, port: int, with_seeds: bool) -> None:
    """Serve the web app (for production use gunicorn, see the README)."""
    from graph.matching import warm_match_index
    from graph.resources import resource_dir
    from webapp import create_app
    from webapp.catalogs import catalog_error

    # Without compiled catalogs Flask-Babel serves English under /nl and says nothing.
    problem = catalog_error(resource_dir("translations"))
    if problem:
        raise click.ClickException(problem)
    try:
        store = open_store()
        _finish_interrupted(store)
        if with_seeds:
            click.echo(_seeded_message(store, seed(store)))
        # Build the partner-matching index in the background; pages are served meanwhile.
        warm_match_index(store)
    except GraphError as exc:
        raise click.ClickException(str(exc)) from exc
    if not (os.environ.get("SECRET_KEY") or os.environ.get("KB_SECRET_KEY")):
        # Fine for one person on their own machine; a public server sets its own (docs/deployment.md).
        os.environ["SECRET_KEY"] = secrets.token_hex(32)
        click.echo("SECRET_KEY is not set: using a random one for this run only.")
    app = create_app()
    app.extensions["common_ground"]["store"] = store
    click.echo(f"Common Ground on http://{host}:{port}/")
    try:
        app.run(host=host, port=port, threaded=True, use_reloader=False)
    finally:
        store.close()


if __name__ == "__main__":
    sys.exit(main())
