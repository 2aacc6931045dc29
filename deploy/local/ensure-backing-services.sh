#!/usr/bin/env bash
# Make sure Redis (127.0.0.1:6379) and RabbitMQ (127.0.0.1:5672) answer; start them if not.
# MongoDB is not here: `make run` and the tests start the Mongo-wire server themselves.
set -u

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() {  # port, name, seconds
  for _ in $(seq 1 "$3"); do answers "$1" && return 0; sleep 1; done
  return 1
}

if ! answers 6379; then
  if command -v redis-server >/dev/null; then
    echo "Redis is not answering on 127.0.0.1:6379; starting it"
    mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/ci.log
  fi
  wait_for 6379 redis 20 || {
    echo "ERROR: Redis is needed on 127.0.0.1:6379 and could not be started." >&2
    echo "       Install it (apt-get install redis-server) or start it, then retry." >&2
    exit 1
  }
fi

if ! answers 5672; then
  if command -v rabbitmq-server >/dev/null; then
    echo "RabbitMQ is not answering on 127.0.0.1:5672; starting it (this takes a while)"
    rabbitmq-server -detached
  fi
  wait_for 5672 rabbitmq 90 || {
    echo "ERROR: RabbitMQ is needed on 127.0.0.1:5672 (guest/guest) and could not be started." >&2
    echo "       Install it (apt-get install rabbitmq-server) or start it, then retry." >&2
    exit 1
  }
fi
echo "Redis and RabbitMQ answer."
