"""gunicorn settings for serving Common Ground: ``gunicorn -c python:webapp.gunicorn_conf 'webapp:create_app()'``.

Threaded workers (gthread): a worker's threads serve one request each, so a
few slow clients cannot tie up every worker as they could with sync workers.
A buffering reverse proxy in front (docs/deployment.md) is still what makes
slow clients harmless: it reads whole requests before passing them on.
Command-line options and GUNICORN_CMD_ARGS override anything here.
"""

import multiprocessing
import os

bind = os.environ.get("KB_BIND", "127.0.0.1:8000")
worker_class = "gthread"
# gunicorn's own convention: WEB_CONCURRENCY sets the number of worker processes.
workers = int(os.environ.get("WEB_CONCURRENCY", min(multiprocessing.cpu_count() * 2, 8)))
threads = int(os.environ.get("KB_THREADS", 8))
# A worker that does not report back within this many seconds is restarted.  The store's own
# timeouts (Neo4j connection acquisition and transactions) must be shorter, so that a request
# ends in a translated 503 rather than in gunicorn's bare 500.
timeout = int(os.environ.get("KB_WORKER_TIMEOUT", 60))
graceful_timeout = 30
# Idle keep-alive connections are held by the worker's poller, not by a thread.
keepalive = 5
# Request size limits (gunicorn's defaults, stated): longer request lines get 414, bigger headers 431.
# gunicorn writes those pages itself; post_worker_init below gives them the app's security headers.
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190
# Forwarded headers are believed in one place only, the app's ProxyFix, as KB_PROXY_FIX says
# (webapp/__init__.py).  gunicorn's defaults would believe X-Forwarded-Proto (and X-Forwarded-SSL)
# from 127.0.0.1 whatever KB_PROXY_FIX says, so that any local process, or a proxy that passes the
# header on unchecked, could make a plain HTTP request count as TLS.  The headers still reach the app.
forwarded_allow_ips = ""
secure_scheme_headers = {}
# Workers fork before the app opens its store, so each opens its own (never --preload with Neo4j).
preload_app = False
accesslog = os.environ.get("KB_ACCESS_LOG", "-")


def post_worker_init(worker):
    """Give the error pages gunicorn writes itself (400, 414, 431, 500) the security headers."""
    from webapp.gunicorn_errors import install

    install()


def on_starting(server):
    """In the master, before any worker starts: refuse to start without up-to-date compiled catalogs
    (pages would be English under /nl), then complete (or undo) a restore or import that a killed process
    left halfway, once, so that no worker serves a half-replaced graph and no two workers finish the same
    work at once.  A store that cannot be reached now is left to the workers' 503s.
    """
    from graph import open_store
    from graph.errors import GraphError
    from graph.resources import resource_dir
    from webapp.catalogs import catalog_error

    problem = catalog_error(resource_dir("translations"))
    if problem:
        raise SystemExit(problem)
    try:
        with open_store() as store:
            done = store.finish_interrupted()
    except GraphError as exc:
        server.log.warning("could not check for interrupted restores or imports: %s", exc)
        return
    if done:
        server.log.info("%s", done)
