#!/usr/bin/env bash
# End-to-end learning throughput of one RNN through Kafka (embedded broker, exactly-once, batch 1):
# delayed-sum sequences (SPEC section 3) learned by the service, against offline `train --arch rnn`
# on the same sequences in the same run (its sequences/s over two passes of the file; the first
# includes the JIT's warm-up, which the long sequences make a small share). The backlog is in the topic before the service consumes any of it; the rate
# is taken after WARMUP sequences.
# Usage: scripts/e2e-rnn-throughput.sh [layers] [rule] [sequences]
# Env: WARMUP (default 2000), LENGTH (steps per sequence, default 100), SERVE_ARGS, SERVE_OPTS, JAR, POLL.
set -euo pipefail
cd "$(dirname "$0")/.."
LAYERS=${1:-1,256,1}; RULE=${2:-align-ada}; N=${3:-3000}; WARMUP=${WARMUP:-2000}; LENGTH=${LENGTH:-100}
JAR=${JAR:-target/alignstream.jar}
KPORT=${KPORT:-19520}; HPORT=${HPORT:-18520}; POLL=${POLL:-0.5}
source scripts/e2e-common.sh
java -jar $JAR datasets delayed-sum --out "$WORK/seq" --train $((WARMUP + N)) --test 1 --length $LENGTH > /dev/null 2>&1
DATA="$WORK/seq/delayed-sum-train.jsonl"
serve   # creates the topics
java -jar $JAR models create --bootstrap-servers 127.0.0.1:$KPORT --id rnn --stream rnn --arch rnn --layers "$LAYERS" \
  --rule "$RULE" --lr 0.05 --max-steps $LENGTH --no-alignment > /dev/null
kill $SERVE; wait $SERVE || true; : > "$WORK/serve.log"
java -jar $JAR produce --bootstrap-servers 127.0.0.1:$KPORT --data "$DATA" --stream rnn > /dev/null
serve
until seen_now rnn; [ "$SEEN" -ge "$WARMUP" ]; do nap $POLL; done
c0=$SEEN; start=$EPOCHREALTIME; c1=$c0; end=$start
while :; do   # the window ends at the last reading before the backlog is learned
  nap $POLL
  p_seen=$c1 p_time=$end
  seen_now rnn; c1=$SEEN end=$EPOCHREALTIME
  [ "$c1" -lt $((WARMUP + N)) ] || break
done
[ "$p_seen" -gt "$c0" ] && c1=$p_seen end=$p_time
e2e=$(python3 -c "print(round(($c1 - $c0) / ($end - $start), 1))")
kill $SERVE; wait $SERVE || true; SERVE=
java ${SERVE_OPTS:-} -jar $JAR train --arch rnn --data "$DATA" --layers "$LAYERS" --rule "$RULE" --lr 0.05 \
  --epochs 2 --report "$WORK/r1.json" > /dev/null
offline=$(python3 -c "import json; print(round(json.load(open('$WORK/r1.json'))['samples_per_second'], 1))")
echo "end-to-end through Kafka: $e2e sequences/s of $LENGTH steps (sequences $c0..$c1 of a backlog of $((WARMUP + N)))"
echo "offline train --arch rnn: $offline sequences/s (two passes over the same file)"
python3 -c "print('ratio end-to-end / offline: %.2f' % ($e2e / $offline))"
