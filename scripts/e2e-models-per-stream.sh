#!/usr/bin/env bash
# Samples/s of one stream through Kafka (embedded broker, exactly-once, batch 1) with one model
# on it, and of another stream with three models on it, in the same broker and service run;
# prints both and their ratio, in ROUNDS alternating rounds (one, three, one, three, ...: this
# machine's speed drifts by tens of percent within minutes, so each ratio compares neighbouring
# windows, and the median ratio is reported). The backlogs (WARM_STREAM samples of a warm-up
# stream with one model and as many of one with three, then WARMUP + N samples of each measured
# stream, each round's streams with their own models; one partition)
# are in the topic before the service consumes any of it; each rate is taken after its stream's
# first WARMUP samples. Both warm-up streams are needed: the JIT compiles the one-model path (steps
# on the stream thread) and the three-model path (steps on the lanes, more prediction records per
# transaction in the broker) separately, and still compiled the latter in the measured window
# when only the first was warmed.
# Usage: scripts/e2e-models-per-stream.sh [layers] [rule] [samples]
# Env: ROUNDS (default 3), WARMUP (default 3000), WARM_STREAM (default 100000 per warm-up stream: the JIT compiles
#      Kafka's code paths for tens of thousands of samples on 2 cores, see e2e-throughput.sh),
#      SERVE_ARGS (e.g. "--model-threads 1": one model after another), THREADS=1 (also print the
#      service's and the broker's threads by CPU time per sample in each window, with their
#      context switches, and how busy the machine's cores were: which of the two cores' consumers
#      grew with three models, and whether the cores were full), PROFILE=1 (implies THREADS=1; the
#      service runs under JFR's "profile" settings with Java methods sampled every 2 ms, and each
#      window's report adds where the stream thread and the model lane spent it, from
#      scripts/JfrWindows.java: JFR's sampling costs a few percent, so take ratios from runs
#      without it),
#      SERVE_OPTS (JVM options of the service), JAR, POLL (seconds between two readings of the
#      models' progress, default 0.2; the readings are builtins, ~nothing).
set -euo pipefail
cd "$(dirname "$0")/.."
LAYERS=${1:-784,256,256,10}; RULE=${2:-align-ada}; N=${3:-15000}; WARMUP=${WARMUP:-3000}; ROUNDS=${ROUNDS:-3}
JAR=${JAR:-target/alignstream.jar}
KPORT=${KPORT:-19510}; HPORT=${HPORT:-18510}; POLL=${POLL:-0.2}
source scripts/e2e-common.sh
if [ -n "${PROFILE:-}" ]; then
  # JFR's "profile" settings, Java methods sampled every 2 ms instead of 10 (a 2 s window then has
  # ~1,000 samples per busy thread, not ~100)
  sed '/<event name="jdk.ExecutionSample">/,/<\/event>/s/>[0-9]* ms</>2 ms</' \
    "$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.home = //p')/lib/jfr/profile.jfc" > "$WORK/profile.jfc"
  THREADS=1 SERVE_OPTS="${SERVE_OPTS:-} -XX:StartFlightRecording=name=e2e,settings=$WORK/profile.jfc"
fi
# rate MODEL...: samples/s of the stream the models learn, from the first reading past WARMUP to
# the last reading before every model has learned WARMUP + N (the stream was busy all that time, so
# the rate is exact whatever POLL is); readings are builtins (scripts/e2e-common.sh)
rate() {
  until least_seen "$@"; [ "$LEAST" -ge "$WARMUP" ]; do nap $POLL; done
  local c0=$LEAST start=$EPOCHREALTIME c1 end p_seen p_time s0 b0 s1 b1 m0 m1
  if [ "$c0" -ge $((WARMUP + N)) ]; then
    echo "the stream of $* learned all $((WARMUP + N)) samples before its window was read: no rate (raise N)" >&2
    return 1
  fi
  if [ -n "${THREADS:-}" ]; then
    thread_ticks $SERVE; s0=$THREAD_TICKS; thread_ticks $BROKER; b0=$THREAD_TICKS; read -r m0 < /proc/stat
  fi
  c1=$c0 end=$start
  while :; do
    nap $POLL
    p_seen=$c1 p_time=$end
    least_seen "$@"; c1=$LEAST end=$EPOCHREALTIME
    [ "$c1" -lt $((WARMUP + N)) ] || break
  done
  if [ -n "${THREADS:-}" ]; then
    thread_ticks $SERVE; s1=$THREAD_TICKS; thread_ticks $BROKER; b1=$THREAD_TICKS; read -r m1 < /proc/stat
    # reported after all rounds: the report takes longer than the next stream's warm-up, whose
    # window would then pass unread
    local title="$*" n=$((c1 - c0)) t0=$start t1=$end
    declare -p title n s0 s1 b0 b1 m0 m1 t0 t1 > "$WORK/window-$1"
  fi
  [ "$p_seen" -gt "$c0" ] && c1=$p_seen end=$p_time # else the window fitted in one poll: the end reading
  python3 -c "print(round(($c1 - $c0) / ($end - $start), 1))"
}
serve   # creates the topics
create warm warm; create warm3-a warm3; create warm3-b warm3; create warm3-c warm3
for k in $(seq "$ROUNDS"); do
  create one$k one$k; create three$k-a three$k; create three$k-b three$k; create three$k-c three$k
done
kill $SERVE; wait $SERVE || true; : > "$WORK/serve.log"
produce_n warm ${WARM_STREAM:-100000}
produce_n warm3 ${WARM_STREAM:-100000}
for k in $(seq "$ROUNDS"); do
  produce_n one$k $((WARMUP + N))
  produce_n three$k $((WARMUP + N))
done
serve
ratios=()
for k in $(seq "$ROUNDS"); do
  r1=$(rate one$k)
  r3=$(rate three$k-a three$k-b three$k-c)
  ratio=$(python3 -c "print('%.2f' % ($r3 / $r1))")
  ratios+=("$ratio")
  echo "round $k: one model on its stream $r1 samples/s, three models on one stream $r3 samples/s of the stream: $ratio"
done
if [ -n "${THREADS:-}" ]; then
  [ -z "${PROFILE:-}" ] || jcmd $SERVE JFR.dump name=e2e filename="$WORK/serve.jfr" > /dev/null
  for k in $(seq "$ROUNDS"); do
    echo "round $k:"
    for w in one$k three$k-a; do
      (source "$WORK/window-$w"; echo "  $title:"
       machine_report "$m0" "$m1"; thread_report service "$s0" "$s1" $n; thread_report broker "$b0" "$b1" $n
       [ -z "${PROFILE:-}" ] || java scripts/JfrWindows.java "$WORK/serve.jfr" "$title" $t0 $t1)
    done
  done
fi
echo "model threads: ${SERVE_ARGS:-default --model-threads}"
python3 -c "import statistics, sys; r = sorted(map(float, sys.argv[1:])); print('ratio three / one: %.2f (median of %d rounds; range %.2f-%.2f)' % (statistics.median(r), len(r), r[0], r[-1]))" "${ratios[@]}"
