#!/usr/bin/env bash
# Samples/s of one stream through Kafka (embedded broker, exactly-once, batch 1) with one model
# on it, and of another stream with three models on it, in the same broker and service run;
# prints both and their ratio. The backlogs (WARM_STREAM samples of a warm-up stream with one model,
# then WARMUP + N samples of each measured stream; one partition) are in the topic before the
# service consumes any of it; each rate is taken after its stream's first WARMUP samples.
# Usage: scripts/e2e-models-per-stream.sh [layers] [rule] [samples]
# Env: WARMUP (default 2000), WARM_STREAM (default 12000: C2 compiles Kafka's code paths for the
#      first 10,000+ samples on 2 cores, and the one-model stream is measured first),
#      SERVE_ARGS (e.g. "--model-threads 1": one model after another),
#      SERVE_OPTS (JVM options of the service), JAR.
set -euo pipefail
cd "$(dirname "$0")/.."
LAYERS=${1:-784,256,256,10}; RULE=${2:-align-ada}; N=${3:-4000}; WARMUP=${WARMUP:-2000}
JAR=${JAR:-target/alignstream.jar}
[ -f data/mnist-train.csv ] || java -jar $JAR datasets mnist --out data
WORK=$(mktemp -d); KPORT=${KPORT:-19510}; HPORT=${HPORT:-18510}
java -jar $JAR broker --port $KPORT --dir "$WORK/kafka" > "$WORK/broker.log" 2>&1 & BROKER=$!
SERVE=; trap 'kill ${SERVE:-} $BROKER 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"' EXIT
until grep -qs ready "$WORK/broker.log"; do sleep 0.2; done
# produce_n STREAM COUNT: the first COUNT samples of the training file, from its start again
# as often as needed when the file holds fewer (the file's size depends on `datasets`' options)
produce_n() {
  local left=$2 rows n
  rows=$(($(wc -l < data/mnist-train.csv) - 1))
  while [ "$left" -gt 0 ]; do
    n=$((left < rows ? left : rows))
    java -jar $JAR produce --bootstrap-servers 127.0.0.1:$KPORT --data data/mnist-train.csv --stream "$1" --limit $n > /dev/null
    left=$((left - n))
  done
}
serve() {
  java ${SERVE_OPTS:-} -jar $JAR serve --bootstrap-servers 127.0.0.1:$KPORT --http-port $HPORT --state-dir "$WORK/state" \
    --instance-id e2e --partitions 1 ${SERVE_ARGS:-} >> "$WORK/serve.log" 2>&1 & SERVE=$!
  until grep -qs "service ready" "$WORK/serve.log"; do sleep 0.2; done
}
create() { # id stream
  java -jar $JAR models create --bootstrap-servers 127.0.0.1:$KPORT --id "$1" --stream "$2" --layers "$LAYERS" \
    --rule "$RULE" --lr 0.2 --input-scale 3 --target-offset -0.1 --no-alignment > /dev/null
}
seen() { curl -s localhost:$HPORT/models/$1 | grep -o '"samples_seen":[0-9]*' | cut -d: -f2; }
# rate FIRST MODEL...: samples/s of the stream from WARMUP until every model learned WARMUP + N
rate() {
  until [ "$(seen $1)" -ge "$WARMUP" ] 2>/dev/null; do sleep 0.02; done
  local c0 start end
  c0=$(seen $1); start=$(date +%s.%N)
  for m in "$@"; do until [ "$(seen $m)" -ge $((WARMUP + N)) ] 2>/dev/null; do sleep 0.02; done; done
  end=$(date +%s.%N)
  python3 -c "print(round(($WARMUP + $N - $c0) / ($end - $start), 1))"
}
serve   # creates the topics
create warm warm; create one one; create three-a three; create three-b three; create three-c three
kill $SERVE; wait $SERVE || true; : > "$WORK/serve.log"
produce_n warm ${WARM_STREAM:-12000}
for s in one three; do
  produce_n $s $((WARMUP + N))
done
serve
r1=$(rate one)
r3=$(rate three-a three-b three-c)
echo "one model on its stream:    $r1 samples/s"
echo "three models on one stream: $r3 samples/s of the stream (${SERVE_ARGS:-default --model-threads})"
python3 -c "print('ratio three / one: %.2f' % ($r3 / $r1))"
