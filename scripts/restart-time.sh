#!/usr/bin/env bash
# Time from restart to resumed learning after a SIGKILL of the service, for one model.
# Usage: scripts/restart-time.sh [layers] [samples before the kill]
set -euo pipefail
cd "$(dirname "$0")/.."
LAYERS=${1:-784,1024,1024,10}; N=${2:-1500}
JAR=target/alignstream.jar
[ -f data/mnist-train.csv ] || java -jar $JAR datasets mnist --out data
WORK=$(mktemp -d); KPORT=19600; HPORT=18600; SERVE=
java -jar $JAR broker --port $KPORT --dir "$WORK/kafka" > "$WORK/broker.log" 2>&1 & BROKER=$!
trap 'kill -9 ${SERVE:-} 2>/dev/null; kill $BROKER 2>/dev/null; wait 2>/dev/null' EXIT
until grep -qs ready "$WORK/broker.log"; do sleep 0.2; done
serve() {
  java -jar $JAR serve --bootstrap-servers 127.0.0.1:$KPORT --http-port $HPORT --state-dir "$WORK/state" \
    --instance-id restart --partitions 1 >> "$WORK/serve.log" 2>&1 & SERVE=$!
}
seen() { curl -s localhost:$HPORT/models/r | python3 -c "import sys,json; print(json.load(sys.stdin)['samples_seen'])" 2>/dev/null || echo -1; }
serve
until grep -qs "service ready" "$WORK/serve.log"; do sleep 0.2; done
java -jar $JAR models create --bootstrap-servers 127.0.0.1:$KPORT --id r --stream r --layers "$LAYERS" \
  --rule align-ada --lr 0.05 --input-scale 3 --target-offset -0.1 > /dev/null
sleep 2
java -jar $JAR produce --bootstrap-servers 127.0.0.1:$KPORT --data data/mnist-train.csv --stream r --limit "$N" > /dev/null
until [ "$(seen)" = "$N" ]; do sleep 0.2; done
sleep 1
kill -9 $SERVE; wait $SERVE 2>/dev/null || true
echo "killed the service (SIGKILL) after $N samples; restarting"
start=$(date +%s.%N)
serve
until grep -c "service ready" "$WORK/serve.log" | grep -q 2; do sleep 0.1; done
ready=$(date +%s.%N)
java -jar $JAR produce --bootstrap-servers 127.0.0.1:$KPORT --data data/mnist-test.csv --stream r --limit 1 > /dev/null
until [ "$(seen)" = "$((N + 1))" ]; do sleep 0.1; done
end=$(date +%s.%N)
python3 -c "print('restart -> service ready: %.1f s; restart -> next sample learned: %.1f s' % ($ready - $start, $end - $start))"
grep "restored model" "$WORK/serve.log" | tail -1 | cut -c1-300
