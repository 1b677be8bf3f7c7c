#!/usr/bin/env bash
# Samples/s of one stream through Kafka (embedded broker, exactly-once, backlog produced up front)
# with one model on it, then with three models on one stream, in the same broker and service
# run; prints both and their ratio (the three learn in parallel on --model-threads threads).
# Each measurement follows a warm-up of WARMUP samples (default 2000) on the same stream.
# Usage: scripts/e2e-models-per-stream.sh [layers] [rule] [samples]
# Env: SERVE_ARGS (e.g. "--model-threads 1" for one model after another), SERVE_OPTS (JVM options).
set -euo pipefail
cd "$(dirname "$0")/.."
LAYERS=${1:-784,256,256,10}; RULE=${2:-align-ada}; N=${3:-4000}; WARMUP=${WARMUP:-2000}
JAR=${JAR:-target/alignstream.jar}
[ -f data/mnist-train.csv ] || java -jar $JAR datasets mnist --out data
WORK=$(mktemp -d); KPORT=${KPORT:-19510}; HPORT=${HPORT:-18510}
java -jar $JAR broker --port $KPORT --dir "$WORK/kafka" > "$WORK/broker.log" 2>&1 & BROKER=$!
SERVE=; trap 'kill ${SERVE:-} $BROKER 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"' EXIT
until grep -qs ready "$WORK/broker.log"; do sleep 0.2; done
java ${SERVE_OPTS:-} -jar $JAR serve --bootstrap-servers 127.0.0.1:$KPORT --http-port $HPORT --state-dir "$WORK/state" \
  --instance-id e2e --partitions 1 ${SERVE_ARGS:-} > "$WORK/serve.log" 2>&1 & SERVE=$!
until grep -qs "service ready" "$WORK/serve.log"; do sleep 0.2; done

create() { # id stream
  java -jar $JAR models create --bootstrap-servers 127.0.0.1:$KPORT --id "$1" --stream "$2" --layers "$LAYERS" \
    --rule "$RULE" --lr 0.2 --input-scale 3 --target-offset -0.1 --no-alignment > /dev/null
}
seen() { curl -s localhost:$HPORT/models/$1 | grep -q "\"samples_seen\":$2,"; }
# run STREAM MODEL...: samples/s of the stream over N samples, after WARMUP samples
run() {
  local stream=$1; shift
  java -jar $JAR produce --bootstrap-servers 127.0.0.1:$KPORT --data data/mnist-train.csv --stream "$stream" --limit "$WARMUP" > /dev/null
  for m in "$@"; do until seen "$m" "$WARMUP"; do sleep 0.1; done; done
  java -jar $JAR produce --bootstrap-servers 127.0.0.1:$KPORT --data data/mnist-train.csv --stream "$stream" --limit "$N" > /dev/null
  local start end
  start=$(date +%s.%N)
  for m in "$@"; do until seen "$m" $((WARMUP + N)); do sleep 0.05; done; done
  end=$(date +%s.%N)
  python3 -c "print(round($N / ($end - $start), 1))"
}
create one one; sleep 2
r1=$(run one one)
create three-a three; create three-b three; create three-c three; sleep 2
r3=$(run three three-a three-b three-c)
echo "one model on its stream:    $r1 samples/s"
echo "three models on one stream: $r3 samples/s of the stream (${SERVE_ARGS:-default --model-threads})"
python3 -c "print('ratio three / one: %.2f' % ($r3 / $r1))"
