#!/usr/bin/env bash
# Real Kafka (one-node KRaft broker from Maven Central's jars), real Redis (Debian's
# redis-server) and a throwaway PostgreSQL cluster (Debian's postgresql), all on loopback,
# for the tests and the full mode. No Docker needed.
#
#   scripts/services.sh up            start what is not running (idempotent), print the env
#   scripts/services.sh down          stop both and delete their data
#   scripts/services.sh status        say what runs where
#   scripts/services.sh env           print the export lines for KAFKA_BOOTSTRAP_SERVERS/REDIS_URL
#   scripts/services.sh kafka-stop    stop only the broker (tests of the collector's 503 path)
#   scripts/services.sh kafka-start   start only the broker, keeping its data
#   scripts/services.sh redis-stop    stop only Redis (it writes its append-only file first)
#   scripts/services.sh redis-start   start only Redis, which reloads its append-only file
#
# If KAFKA_BOOTSTRAP_SERVERS, REDIS_URL or CARTCOACH_DATABASE_URL is already set, that service is yours: it is
# neither started nor stopped here.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
state="${CARTCOACH_SERVICES_DIR:-$root/.services}"
kafka_port="${CARTCOACH_KAFKA_PORT:-19092}"
controller_port="${CARTCOACH_KAFKA_CONTROLLER_PORT:-19093}"
redis_port="${CARTCOACH_REDIS_PORT:-16379}"
pg_port="${CARTCOACH_PG_PORT:-15432}"
kafka_version=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$root/scripts/kafka/pom.xml")
libs="$state/kafka-$kafka_version/libs"
mkdir -p "$state"

log() { printf 'services: %s\n' "$*" >&2; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() {  # port, seconds, name
  local deadline=$((SECONDS + $2))
  until port_open "$1"; do
    if ((SECONDS > deadline)); then log "$3 did not open port $1 within $2 s"; return 1; fi
    sleep 0.3
  done
}

ensure_redis_installed() {
  command -v redis-server >/dev/null && return
  log "installing Debian's redis-server"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends redis-server >/dev/null
}

ensure_kafka_jars() {
  [ -f "$libs/.complete" ] && return
  command -v java >/dev/null || { log "java is needed for the Kafka broker"; exit 1; }
  log "resolving Apache Kafka $kafka_version from Maven Central"
  mvn -q -B -f "$root/scripts/kafka/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$libs"
  touch "$libs/.complete"
}

kafka_start() {
  if [ -n "${KAFKA_BOOTSTRAP_SERVERS:-}" ]; then return; fi
  if port_open "$kafka_port"; then return; fi
  ensure_kafka_jars
  local data="$state/kafka-data" conf="$state/kafka-server.properties"
  mkdir -p "$data" "$state/logs"
  cat >"$conf" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller_port
listeners=PLAINTEXT://127.0.0.1:$kafka_port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$kafka_port
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$data
num.partitions=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
log.retention.hours=24
PROPS
  local java_opts=(-Xms256m -Xmx768m -XX:+UseG1GC -Djava.awt.headless=true
    "-Dkafka.logs.dir=$state/logs" "-Dlog4j2.configurationFile=$root/scripts/kafka/log4j2.properties")
  if [ ! -f "$data/meta.properties" ]; then
    java "${java_opts[@]}" -cp "$libs/*" kafka.tools.StorageTool format \
      --config "$conf" --cluster-id "$(java -cp "$libs/*" kafka.tools.StorageTool random-uuid)" \
      --ignore-formatted >/dev/null
  fi
  log "starting Kafka $kafka_version on 127.0.0.1:$kafka_port"
  nohup java "${java_opts[@]}" -cp "$libs/*" kafka.Kafka "$conf" \
    >"$state/logs/kafka.out" 2>&1 &
  echo $! >"$state/kafka.pid"
  wait_port "$kafka_port" 90 Kafka || { tail -20 "$state/logs/kafka.out" >&2; exit 1; }
}

kafka_stop() {
  if [ -n "${KAFKA_BOOTSTRAP_SERVERS:-}" ]; then return; fi
  [ -f "$state/kafka.pid" ] || return 0
  local pid; pid=$(cat "$state/kafka.pid")
  if kill "$pid" 2>/dev/null; then
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$state/kafka.pid"
  local deadline=$((SECONDS + 20))
  while port_open "$kafka_port" && ((SECONDS < deadline)); do sleep 0.2; done
}

redis_start() {
  if [ -n "${REDIS_URL:-}" ]; then return; fi
  if port_open "$redis_port"; then return; fi
  ensure_redis_installed
  log "starting Redis on 127.0.0.1:$redis_port"
  # Append-only file, flushed every second (as in docker-compose.yml): profiles, the
  # experiment ledger and model checkpoints survive a restart of Redis.
  redis-server --bind 127.0.0.1 --port "$redis_port" --save "" --appendonly yes --appendfsync everysec \
    --daemonize yes --pidfile "$state/redis.pid" --logfile "$state/redis.log" --dir "$state"
  wait_port "$redis_port" 20 Redis
}

redis_stop() {
  if [ -n "${REDIS_URL:-}" ]; then return; fi
  [ -f "$state/redis.pid" ] || return 0
  local pid; pid=$(cat "$state/redis.pid")
  if kill "$pid" 2>/dev/null; then  # SIGTERM: Redis flushes its append-only file and exits
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -f "$state/redis.pid"
}

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

# PostgreSQL refuses to run as root: as root, the cluster belongs to Debian's postgres user.
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

pg_start() {
  if [ -n "${CARTCOACH_DATABASE_URL:-}" ]; then return; fi
  if port_open "$pg_port"; then return; fi
  local bin; bin=$(pg_bin)
  [ -n "$bin" ] || { log "Debian's postgresql is needed (scripts/system_deps.sh installs it)"; exit 1; }
  local data="$state/pg-data"
  if [ ! -f "$data/PG_VERSION" ]; then
    mkdir -p "$data"
    [ "$(id -u)" = 0 ] && chown postgres "$data"
    as_pg "$bin/initdb" -D "$data" -U cartcoach --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  log "starting PostgreSQL on 127.0.0.1:$pg_port"
  as_pg "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $pg_port -c unix_socket_directories='' -c fsync=off" start >/dev/null
  as_pg "$bin/psql" -h 127.0.0.1 -p "$pg_port" -U cartcoach -d postgres -qtAc \
    "SELECT 1 FROM pg_database WHERE datname='cartcoach'" | grep -q 1 ||
    as_pg "$bin/createdb" -h 127.0.0.1 -p "$pg_port" -U cartcoach cartcoach
}

pg_stop() {
  if [ -n "${CARTCOACH_DATABASE_URL:-}" ]; then return; fi
  local data="$state/pg-data"
  [ -f "$data/postmaster.pid" ] || return 0
  as_pg "$(pg_bin)/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true
}

print_env() {
  echo "export KAFKA_BOOTSTRAP_SERVERS=${KAFKA_BOOTSTRAP_SERVERS:-127.0.0.1:$kafka_port}"
  echo "export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:$redis_port/0}"
  echo "export CARTCOACH_DATABASE_URL=${CARTCOACH_DATABASE_URL:-postgresql://cartcoach@127.0.0.1:$pg_port/cartcoach}"
}

case "${1:-}" in
  up) redis_start; pg_start; kafka_start; print_env ;;
  down) kafka_stop; redis_stop; pg_stop
    rm -rf "$state/kafka-data" "$state/kafka-server.properties" "$state/pg-data" "$state/appendonlydir" ;;
  status)
    port_open "$kafka_port" && echo "kafka: up on 127.0.0.1:$kafka_port" || echo "kafka: down"
    port_open "$redis_port" && echo "redis: up on 127.0.0.1:$redis_port" || echo "redis: down"
    port_open "$pg_port" && echo "postgresql: up on 127.0.0.1:$pg_port" || echo "postgresql: down" ;;
  env) print_env ;;
  kafka-stop) kafka_stop ;;
  kafka-start) kafka_start ;;
  redis-stop) redis_stop ;;
  redis-start) redis_start ;;
  *) sed -n '2,17p' "$0"; exit 2 ;;
esac
