#!/usr/bin/env bash
# A local Neo4j 5.26 LTS Community server for tests and CI, without Docker.
#
# The server is an embedded Neo4j with a Bolt connector (neo4j-server/), built
# with Maven from Maven Central jars. Authentication is disabled.
#
#   scripts/neo4j.sh build    compile + copy dependency jars (skipped when up to date)
#   scripts/neo4j.sh start    build if needed, start in the background, wait for Bolt
#   scripts/neo4j.sh stop     stop the server started by `start`
#   scripts/neo4j.sh restart  stop, then start
#   scripts/neo4j.sh status   exit 0 if running, 1 if not
#   scripts/neo4j.sh env      print the export lines for the client environment
#
# Environment:
#   NEO4J_PORT            Bolt port on 127.0.0.1 (default 7687; stop/status/env
#                         default to the port of the running server)
#   NEO4J_STATE_DIR       pid file, log and data (default <repo>/.neo4j)
#   NEO4J_DATA_DIR        database directory (default $NEO4J_STATE_DIR/data; kept across restarts)
#   NEO4J_START_TIMEOUT   seconds to wait for Bolt (default 180)
#   NEO4J_JAVA_OPTS       JVM options (default -Xmx2g)
#   NEO4J_PAGECACHE       page cache size (default 128m)
#
# Typical use:
#   scripts/neo4j.sh start && export NEO4J_URI=bolt://127.0.0.1:7687
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SERVER_DIR="$REPO_ROOT/neo4j-server"
TARGET_DIR="$SERVER_DIR/target"
MAIN_CLASS="org.commonground.neo4jserver.Main"
MAIN_CLASS_FILE="$TARGET_DIR/classes/org/commonground/neo4jserver/Main.class"
BUILD_STAMP="$TARGET_DIR/.neo4j-build-stamp"

STATE_DIR="${NEO4J_STATE_DIR:-$REPO_ROOT/.neo4j}"
PORT_FILE="$STATE_DIR/neo4j.port"
# An explicit NEO4J_PORT wins; otherwise the port of the server `start` launched, else 7687.
if [[ -n "${NEO4J_PORT:-}" ]]; then
    PORT="$NEO4J_PORT"
elif [[ -f "$PORT_FILE" ]]; then
    PORT="$(tr -dc '0-9' <"$PORT_FILE")"
    PORT="${PORT:-7687}"
else
    PORT=7687
fi
DATA_DIR="${NEO4J_DATA_DIR:-$STATE_DIR/data}"
PID_FILE="$STATE_DIR/neo4j.pid"
LOG_FILE="$STATE_DIR/neo4j.log"
START_TIMEOUT="${NEO4J_START_TIMEOUT:-180}"
JAVA_OPTS="${NEO4J_JAVA_OPTS:--Xmx2g}"
# Flags Neo4j's own launcher passes; they silence the page cache's "fallback mode" warning.
JVM_FLAGS=(
    --add-opens=java.base/java.nio=ALL-UNNAMED
    --add-opens=java.base/java.io=ALL-UNNAMED
    --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
    -Dio.netty.tryReflectionSetAccessible=true
    -XX:-OmitStackTraceInFastThrow
)

log() { echo "neo4j.sh: $*" >&2; }
die() { log "$*"; exit 1; }

print_env() {
    echo "export NEO4J_URI=bolt://127.0.0.1:$PORT"
}

# --- build -----------------------------------------------------------------

needs_build() {
    [[ -f "$BUILD_STAMP" && -f "$MAIN_CLASS_FILE" && -d "$TARGET_DIR/dependency" ]] || return 0
    # Rebuild when the pom or any source is newer than the last successful build.
    [[ -n "$(find "$SERVER_DIR/pom.xml" "$SERVER_DIR/src" -newer "$BUILD_STAMP" -print -quit)" ]] && return 0
    return 1
}

cmd_build() {
    if ! needs_build; then
        return 0
    fi
    command -v java >/dev/null || die "java not found (Java 17+ is required)"
    command -v mvn >/dev/null || die "mvn not found (apt-get install maven)"
    log "building neo4j-server (the first build downloads the Neo4j jars from Maven Central; this can take several minutes) ..."
    local start=$SECONDS
    # Drop stale jars so a version change in the pom never leaves two Neo4j versions on the classpath.
    rm -rf "$TARGET_DIR/dependency"
    mkdir -p "$TARGET_DIR"
    local build_log="$TARGET_DIR/neo4j-build.log"
    if ! (cd "$SERVER_DIR" && mvn -q -B -Dstyle.color=never compile dependency:copy-dependencies) \
        >"$build_log" 2>&1; then
        tail -n 40 "$build_log" >&2 || true
        die "maven build failed (full log: $build_log)"
    fi
    touch "$BUILD_STAMP"
    log "build done in $((SECONDS - start)) s"
}

# --- process helpers -------------------------------------------------------

read_pid() {
    [[ -f "$PID_FILE" ]] && tr -dc '0-9' <"$PID_FILE" || true
}

# True when PID is alive and is our server (guards against recycled pids).
is_our_pid() {
    local pid="$1"
    [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 1
    if [[ -r "/proc/$pid/cmdline" ]]; then
        tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "$MAIN_CLASS" || return 1
    fi
    return 0
}

bolt_answers() {
    # Opens a TCP connection; the Bolt connector only listens once the DBMS is up.
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null
}

# --- commands ---------------------------------------------------------------

cmd_start() {
    local pid
    pid="$(read_pid)"
    if is_our_pid "$pid"; then
        local running_port
        running_port="$(tr -dc '0-9' <"$PORT_FILE" 2>/dev/null || true)"
        if [[ -n "$running_port" && "$running_port" != "$PORT" ]]; then
            die "already running (pid $pid) on port $running_port, not $PORT; stop it first"
        fi
        log "already running (pid $pid) on bolt://127.0.0.1:$PORT"
        print_env
        return 0
    fi
    rm -f "$PID_FILE"
    if bolt_answers; then
        die "port $PORT on 127.0.0.1 is already in use by another process (set NEO4J_PORT)"
    fi

    cmd_build

    mkdir -p "$STATE_DIR" "$DATA_DIR"
    : >"$LOG_FILE"
    log "starting Neo4j on bolt://127.0.0.1:$PORT (data: $DATA_DIR, log: $LOG_FILE)"
    local start=$SECONDS
    # shellcheck disable=SC2086  # JAVA_OPTS is a word list on purpose
    (
        cd "$STATE_DIR"
        NEO4J_PORT="$PORT" exec nohup java "${JVM_FLAGS[@]}" $JAVA_OPTS \
            -cp "$TARGET_DIR/classes:$TARGET_DIR/dependency/*" \
            "$MAIN_CLASS" "$DATA_DIR" </dev/null >>"$LOG_FILE" 2>&1
    ) &
    pid=$!
    echo "$pid" >"$PID_FILE"
    echo "$PORT" >"$PORT_FILE"

    while true; do
        if ! kill -0 "$pid" 2>/dev/null; then
            rm -f "$PID_FILE" "$PORT_FILE"
            log "Neo4j exited during startup; last lines of $LOG_FILE:"
            tail -n 40 "$LOG_FILE" >&2 || true
            exit 1
        fi
        if grep -q "Neo4j ready on" "$LOG_FILE" 2>/dev/null && bolt_answers; then
            break
        fi
        if ((SECONDS - start >= START_TIMEOUT)); then
            log "Neo4j did not answer on 127.0.0.1:$PORT within $START_TIMEOUT s; last lines of $LOG_FILE:"
            tail -n 40 "$LOG_FILE" >&2 || true
            cmd_stop || true
            exit 1
        fi
        sleep 0.5
    done
    log "Neo4j is up (pid $pid) after $((SECONDS - start)) s"
    print_env
}

cmd_stop() {
    local pid
    pid="$(read_pid)"
    if ! is_our_pid "$pid"; then
        rm -f "$PID_FILE" "$PORT_FILE"
        log "not running"
        return 0
    fi
    log "stopping Neo4j (pid $pid) ..."
    kill -TERM "$pid" 2>/dev/null || true
    local i
    for ((i = 0; i < 120; i++)); do   # up to 60 s for a clean shutdown
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.5
    done
    if kill -0 "$pid" 2>/dev/null; then
        log "did not stop within 60 s; killing"
        kill -KILL "$pid" 2>/dev/null || true
        sleep 0.5
    fi
    rm -f "$PID_FILE" "$PORT_FILE"
    log "stopped"
}

cmd_status() {
    local pid
    pid="$(read_pid)"
    if is_our_pid "$pid"; then
        if bolt_answers; then
            echo "running (pid $pid) on bolt://127.0.0.1:$PORT"
        else
            echo "starting (pid $pid), bolt://127.0.0.1:$PORT not answering yet"
        fi
        print_env
        return 0
    fi
    echo "not running"
    return 1
}

usage() {
    awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"
}

case "${1:-}" in
    build) cmd_build ;;
    start) cmd_start ;;
    stop) cmd_stop ;;
    restart) cmd_stop; cmd_start ;;
    status) cmd_status ;;
    env) print_env ;;
    -h | --help | help) usage ;;
    *) usage >&2; exit 2 ;;
esac
