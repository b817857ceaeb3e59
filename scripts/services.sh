#!/usr/bin/env bash
# Starts, reuses, stops and reports the services beckn-ride's full profile and
# test suite run against: Postgres, Redis, Kafka and ClickHouse on 127.0.0.1.
#
#   scripts/services.sh up      start whatever is missing, wait until all are ready
#   scripts/services.sh down    stop the Kafka and ClickHouse this script started
#   scripts/services.sh status  print each service's state (exit 3 if one is down)
#   scripts/services.sh kafka-stop / kafka-start
#                               stop or start only the Kafka broker
#
# KAFKA_PORT, KAFKA_CONTROLLER_PORT and KAFKA_INSTANCE_DIR (defaults 9092, 9093,
# .services/kafka) choose the broker kafka-start/kafka-stop act on: the outage
# tests run a broker of their own this way and never stop the shared one.
#
# Postgres and Redis are the machine's own; Kafka runs from Maven Central jars
# (version pinned in scripts/kafka/pom.xml) and ClickHouse from Debian's package.
# Data, logs and pid files live in .services/, downloads in .cache/.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SERVICES_DIR="$ROOT/.services"
READY_TIMEOUT_SECONDS="${SERVICES_READY_TIMEOUT:-120}"

POSTGRES_DATABASE=beckn_ride_test
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
KAFKA_BROKER="127.0.0.1:$KAFKA_PORT"
KAFKA_VERSION="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$ROOT/scripts/kafka/pom.xml")"
KAFKA_LIBS="$ROOT/.cache/kafka/$KAFKA_VERSION/libs"
KAFKA_DIR="${KAFKA_INSTANCE_DIR:-$SERVICES_DIR/kafka}"
KAFKA_JAVA=(java -Xms256m -Xmx512m -Djava.awt.headless=true
  -Dlog4j2.configurationFile="$KAFKA_DIR/log4j2.properties" -cp "$KAFKA_LIBS/*")
CLICKHOUSE_URL=http://127.0.0.1:8123
CLICKHOUSE_DIR="$SERVICES_DIR/clickhouse"

# kafka-ready.ts loads tsx from this checkout's node_modules.
cd "$ROOT"

say() { printf '%-11s %s\n' "$1:" "$2"; }

fail() {
  printf 'services: %s could not be started: %s\n' "$1" "$2" >&2
  exit 1
}

# wait_until SERVICE PIDFILE CHECK...: polls CHECK once a second until it passes;
# fails early when PIDFILE names a process that has exited, and after the timeout.
wait_until() {
  local service="$1" pidfile="$2" deadline=$((SECONDS + READY_TIMEOUT_SECONDS))
  shift 2
  until "$@"; do
    if [[ -n "$pidfile" ]] && ! pid_alive "$pidfile"; then
      return 1
    fi
    if ((SECONDS >= deadline)); then
      printf 'services: %s not ready after %ss\n' "$service" "$READY_TIMEOUT_SECONDS" >&2
      return 1
    fi
    sleep 1
  done
}

require_command() {
  command -v "$2" >/dev/null || fail "$1" "$2 not found on PATH${3:+ ($3)}"
}

pid_alive() { [[ -f "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# stop_pidfile NAME PIDFILE PATTERN: stops the process only if its command line
# still matches PATTERN, so a recycled pid never takes an unrelated process down.
stop_pidfile() {
  local name="$1" pidfile="$2" pattern="$3" pid cmdline
  if ! pid_alive "$pidfile"; then
    rm -f "$pidfile"
    say "$name" "not running from this checkout"
    return
  fi
  pid="$(cat "$pidfile")"
  cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)"
  if [[ "$cmdline" != *"$pattern"* ]]; then
    rm -f "$pidfile"
    say "$name" "pid $pid is not ours any more; left alone"
    return
  fi
  kill "$pid"
  for _ in $(seq 60); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  if kill -0 "$pid" 2>/dev/null; then
    kill -9 "$pid"
  fi
  rm -f "$pidfile"
  say "$name" "stopped"
}

# --- Postgres -----------------------------------------------------------------

postgres_ready() { pg_isready -h 127.0.0.1 -p 5432 -q; }

postgres_up() {
  local how=reused
  if ! postgres_ready; then
    local version
    version="$(find /etc/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' 2>/dev/null | sort -V | tail -1)"
    [[ -n "$version" ]] || fail postgres "no cluster under /etc/postgresql (install postgresql)"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start ||
      fail postgres "pg_ctlcluster $version main start failed"
    wait_until postgres "" postgres_ready ||
      fail postgres "not accepting connections; see /var/log/postgresql/postgresql-$version-main.log"
    how="started (log /var/log/postgresql/postgresql-$version-main.log)"
  fi
  if [[ "$(psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$POSTGRES_DATABASE'")" != 1 ]]; then
    createdb -h 127.0.0.1 -U postgres "$POSTGRES_DATABASE" ||
      fail postgres "could not create database $POSTGRES_DATABASE"
    how="$how, database $POSTGRES_DATABASE created"
  fi
  say postgres "$how (127.0.0.1:5432)"
}

# --- Redis --------------------------------------------------------------------

redis_ready() { [[ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" == PONG ]]; }

redis_up() {
  if redis_ready; then
    say redis "reused (127.0.0.1:6379)"
    return
  fi
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log >/dev/null ||
    fail redis "redis-server did not start; see /var/log/redis/ci.log"
  wait_until redis "" redis_ready || fail redis "no PONG; see /var/log/redis/ci.log"
  say redis "started (127.0.0.1:6379, log /var/log/redis/ci.log)"
}

# --- Kafka (single KRaft node: broker and controller in one process) ---------

# A metadata request through kafkajs, the client beckn-ride uses; skipped while nothing listens.
kafka_ready() {
  port_open "$KAFKA_PORT" && node --import tsx scripts/kafka-ready.ts "$KAFKA_BROKER" "${1:-5000}" 2>/dev/null
}

kafka_fetch_jars() {
  if [[ -f "$KAFKA_LIBS/kafka_2.13-$KAFKA_VERSION.jar" ]]; then
    return
  fi
  # Copy into a scratch folder first so an interrupted download is never mistaken for a complete one.
  local partial="$KAFKA_LIBS.partial"
  rm -rf "$partial"
  mvn -B -q -f "$ROOT/scripts/kafka/pom.xml" dependency:copy-dependencies \
    -DoutputDirectory="$partial" >"$ROOT/.cache/kafka/mvn.log" 2>&1 ||
    fail kafka "downloading Kafka $KAFKA_VERSION jars failed; see $ROOT/.cache/kafka/mvn.log"
  mv "$partial" "$KAFKA_LIBS"
}

# The committed templates name the data and log locations as @KAFKA_DIR@.
kafka_write_config() {
  local file
  for file in server.properties log4j2.properties; do
    sed -e "s|@KAFKA_DIR@|$KAFKA_DIR|g" -e "s|@KAFKA_PORT@|$KAFKA_PORT|g" -e "s|@KAFKA_CONTROLLER_PORT@|$KAFKA_CONTROLLER_PORT|g" "$ROOT/scripts/kafka/$file" >"$KAFKA_DIR/$file"
  done
}

# The cluster id is generated once and kept, so a re-format never orphans old data.
kafka_format_storage() {
  if [[ -f "$KAFKA_DIR/data/meta.properties" ]]; then
    return
  fi
  if [[ ! -s "$KAFKA_DIR/cluster-id" ]]; then
    "${KAFKA_JAVA[@]}" kafka.tools.StorageTool random-uuid | grep -E '^[A-Za-z0-9_-]{22}$' >"$KAFKA_DIR/cluster-id" ||
      fail kafka "could not generate a cluster id"
  fi
  "${KAFKA_JAVA[@]}" kafka.tools.StorageTool format -t "$(cat "$KAFKA_DIR/cluster-id")" \
    -c "$KAFKA_DIR/server.properties" >"$KAFKA_DIR/format.log" 2>&1 ||
    fail kafka "formatting KRaft storage failed; see $KAFKA_DIR/format.log"
}

kafka_up() {
  if kafka_ready 3000; then
    say kafka "reused ($KAFKA_BROKER)"
    return
  fi
  mkdir -p "$KAFKA_DIR" "$ROOT/.cache/kafka"
  if ! pid_alive "$KAFKA_DIR/kafka.pid"; then
    if port_open "$KAFKA_PORT"; then
      fail kafka "port $KAFKA_PORT is taken by a process that does not answer as Kafka"
    fi
    require_command kafka java "Java 17 or newer"
    require_command kafka mvn "Maven fetches the broker jars"
    kafka_fetch_jars
    kafka_write_config
    kafka_format_storage
    rm -f "$KAFKA_DIR/kafka.pid"
    # setsid detaches the broker from this shell's process group, so it outlives the caller;
    # the inner shell records its own pid, which exec hands on to java.
    # shellcheck disable=SC2016 # $$ and $@ belong to the inner shell
    setsid bash -c 'echo $$ >"$1"; shift; exec "$@"' _ "$KAFKA_DIR/kafka.pid" \
      "${KAFKA_JAVA[@]}" kafka.Kafka "$KAFKA_DIR/server.properties" </dev/null >"$KAFKA_DIR/stdout.log" 2>&1 &
    wait_until kafka "" test -s "$KAFKA_DIR/kafka.pid" || fail kafka "the broker process did not start"
  fi
  wait_until kafka "$KAFKA_DIR/kafka.pid" port_open "$KAFKA_PORT" ||
    fail kafka "broker never listened on $KAFKA_BROKER; see $KAFKA_DIR/server.log and stdout.log"
  kafka_ready $((READY_TIMEOUT_SECONDS * 1000)) ||
    fail kafka "broker does not answer metadata requests; see $KAFKA_DIR/server.log"
  say kafka "started $KAFKA_VERSION ($KAFKA_BROKER, log $KAFKA_DIR/server.log)"
}

kafka_down() { stop_pidfile kafka "$KAFKA_DIR/kafka.pid" kafka.Kafka; }

# --- ClickHouse ---------------------------------------------------------------

clickhouse_ready() { [[ "$(curl -fsS --max-time 3 "$CLICKHOUSE_URL/ping" 2>/dev/null)" == Ok.* ]]; }

clickhouse_install() {
  if command -v clickhouse-server >/dev/null; then
    return
  fi
  ((EUID == 0)) || fail clickhouse "clickhouse-server is not installed; run: apt-get install clickhouse-server"
  {
    apt-get update &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y clickhouse-server
  } >"$CLICKHOUSE_DIR/apt.log" 2>&1 || fail clickhouse "apt-get install clickhouse-server failed; see $CLICKHOUSE_DIR/apt.log"
}

clickhouse_up() {
  if clickhouse_ready; then
    say clickhouse "reused ($CLICKHOUSE_URL)"
    return
  fi
  mkdir -p "$CLICKHOUSE_DIR/data/tmp"
  if ! pid_alive "$CLICKHOUSE_DIR/clickhouse.pid"; then
    clickhouse_install
    if port_open 8123; then
      # Where no policy-rc.d forbids it, the package's postinst starts its own server.
      wait_until clickhouse "" clickhouse_ready ||
        fail clickhouse "port 8123 is taken by a process that does not answer /ping"
      say clickhouse "reused ($CLICKHOUSE_URL, the system service)"
      return
    fi
    rm -f "$CLICKHOUSE_DIR/clickhouse.pid"
    # --daemon forks, detaches and writes the pid file; logs go to .services/ instead of /var/log.
    clickhouse-server --daemon --config-file=/etc/clickhouse-server/config.xml \
      --pid-file="$CLICKHOUSE_DIR/clickhouse.pid" -- \
      --path="$CLICKHOUSE_DIR/data/" --tmp_path="$CLICKHOUSE_DIR/data/tmp/" \
      --user_files_path="$CLICKHOUSE_DIR/data/user_files/" \
      --format_schema_path="$CLICKHOUSE_DIR/data/format_schemas/" \
      --listen_host=127.0.0.1 --http_port=8123 \
      --logger.log="$CLICKHOUSE_DIR/clickhouse-server.log" \
      --logger.errorlog="$CLICKHOUSE_DIR/clickhouse-server.err.log" \
      </dev/null >"$CLICKHOUSE_DIR/stdout.log" 2>&1 ||
      fail clickhouse "clickhouse-server refused to start; see $CLICKHOUSE_DIR/stdout.log"
    wait_until clickhouse "" test -s "$CLICKHOUSE_DIR/clickhouse.pid" ||
      fail clickhouse "no pid file; see $CLICKHOUSE_DIR/clickhouse-server.err.log"
  fi
  wait_until clickhouse "$CLICKHOUSE_DIR/clickhouse.pid" clickhouse_ready ||
    fail clickhouse "no answer on $CLICKHOUSE_URL/ping; see $CLICKHOUSE_DIR/clickhouse-server.err.log"
  say clickhouse "started ($CLICKHOUSE_URL, log $CLICKHOUSE_DIR/clickhouse-server.log)"
}

clickhouse_down() { stop_pidfile clickhouse "$CLICKHOUSE_DIR/clickhouse.pid" clickhouse-server; }

# --- Commands -----------------------------------------------------------------

# status_line NAME CHECK PIDFILE: prints "ready" or "down", and whether this checkout started it.
status_line() {
  local name="$1" check="$2" pidfile="${3:-}" owner=""
  if [[ -n "$pidfile" ]] && pid_alive "$pidfile"; then
    owner=", started by this checkout (pid $(cat "$pidfile"))"
  fi
  if "$check"; then
    say "$name" "ready$owner"
  else
    say "$name" "down$owner"
    return 1
  fi
}

status() {
  local down=0
  status_line postgres postgres_ready || down=1
  status_line redis redis_ready || down=1
  status_line kafka kafka_ready "$KAFKA_DIR/kafka.pid" || down=1
  status_line clickhouse clickhouse_ready "$CLICKHOUSE_DIR/clickhouse.pid" || down=1
  return $((down * 3))
}

case "${1:-}" in
  up)
    postgres_up
    redis_up
    kafka_up
    clickhouse_up
    ;;
  down)
    kafka_down
    clickhouse_down
    ;;
  status) status ;;
  kafka-stop) kafka_down ;;
  kafka-start) kafka_up ;;
  *)
    echo "usage: $0 up|down|status|kafka-stop|kafka-start" >&2
    exit 2
    ;;
esac
