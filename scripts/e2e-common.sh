# Set-up shared by the scripts/e2e-*.sh measurements (sourced, not run): the MNIST file, an
# embedded broker, the service, the backlog producer, and progress readings that take (almost) no
# CPU. Expects JAR, KPORT and HPORT; sets WORK, BROKER and SERVE, and cleans up on exit.
[ -f data/mnist-train.csv ] || java -jar $JAR datasets mnist --out data
WORK=$(mktemp -d)
java -jar $JAR broker --port $KPORT --dir "$WORK/kafka" > "$WORK/broker.log" 2>&1 & BROKER=$!
SERVE=; trap 'kill ${SERVE:-} $BROKER 2>/dev/null; wait 2>/dev/null; [ -n "${KEEP_WORK:-}" ] || rm -rf "$WORK"; [ -z "${KEEP_WORK:-}" ] || echo "kept $WORK"' EXIT
until grep -qs ready "$WORK/broker.log"; do sleep 0.2; done
# produce_n STREAM COUNT: the first COUNT samples of the training file, from its start again as
# often as needed when the file holds fewer (its size depends on `datasets`' options), in one
# `produce` run (one JVM per 8,000 samples took minutes for a long warm-up)
produce_n() {
  awk -v n="$2" 'NR == 1 {print; next} {row[++r] = $0} END {for (i = 0; i < n; i++) print row[i % r + 1]}' \
    data/mnist-train.csv > "$WORK/backlog.csv"
  java -jar $JAR produce --bootstrap-servers 127.0.0.1:$KPORT --data "$WORK/backlog.csv" --stream "$1" > /dev/null
  rm -f "$WORK/backlog.csv"
}
serve() {
  java ${SERVE_OPTS:-} -jar $JAR serve --bootstrap-servers 127.0.0.1:$KPORT --http-port $HPORT --state-dir "$WORK/state" \
    --instance-id e2e --partitions 1 ${SERVE_ARGS:-} >> "$WORK/serve.log" 2>&1 & SERVE=$!
  until grep -qs "service ready" "$WORK/serve.log"; do sleep 0.2; done
}
# create ID STREAM: declares a model of LAYERS and RULE (alignment tracking off, as `bench` is run)
create() {
  java -jar $JAR models create --bootstrap-servers 127.0.0.1:$KPORT --id "$1" --stream "$2" --layers "$LAYERS" \
    --rule "$RULE" --lr 0.2 --input-scale 3 --target-offset -0.1 --no-alignment > /dev/null
}
# The measuring loop must not take the CPU it measures: on this 2-core machine one poll of
# `curl | grep | cut` cost ~60 ms of CPU (process start-up), and polling every 20 ms took 0.9 CPU s
# of a 2 s window, half a core. Every poll here is bash builtins only (an HTTP/1.0 request on
# /dev/tcp, /proc read with `read`).
exec {NAP}<> <(:)                       # a pipe nobody writes: `read -t` on it is a builtin sleep
nap() { read -rt "$1" -u $NAP || true; }
# seen_now ID: sets SEEN to the samples the model has learned, its updates rejected by the
# divergence guard included (samples_seen counts applied steps only; at lr 0.2 the model diverges
# after ~70,000 samples), 0 when the service does not answer yet
seen_now() {
  local line fd; SEEN=0
  exec {fd}<>/dev/tcp/127.0.0.1/$HPORT 2>/dev/null || return 0
  printf 'GET /models/%s HTTP/1.0\r\nHost: localhost\r\n\r\n' "$1" >&$fd
  while IFS= read -r line <&$fd || [ -n "$line" ]; do
    [[ $line =~ \"samples_seen\":([0-9]+) ]] && SEEN=${BASH_REMATCH[1]}
    [[ $line =~ \"rejected_steps\":([0-9]+) ]] && SEEN=$((SEEN + BASH_REMATCH[1]))
  done
  exec {fd}<&-
}
# least_seen ID...: sets LEAST to the fewest samples any of the models has learned (the progress
# of a stream whose models all learn every sample)
least_seen() {
  local id; LEAST=
  for id in "$@"; do seen_now "$id"; [ -n "$LEAST" ] && [ "$LEAST" -le "$SEEN" ] || LEAST=$SEEN; done
}
# ticks PATH: sets TICKS to the CPU time (user + system, clock ticks) of /proc/PATH/stat
ticks() { local f; TICKS=0; [ -r /proc/$1/stat ] && read -ra f < /proc/$1/stat && TICKS=$((f[13] + f[14])); }
# thread_ticks PID: "name ticks voluntary involuntary" per thread of a process into $THREAD_TICKS
# (builtins only; the name is the kernel's 15-character comm, spaces turned into underscores; the
# last two are the thread's context switches so far: it blocked or parked, or the scheduler took
# its core away)
thread_ticks() {
  local t line name rest f vol invol; THREAD_TICKS=""
  for t in /proc/$1/task/*; do
    [ -r "$t/stat" ] && read -r line < "$t/stat" || continue
    name=${line#*(}; name=${name%)*}; rest=${line##*) }
    read -ra f <<< "$rest"
    vol=0 invol=0
    while read -r line; do
      case $line in
        voluntary_ctxt_switches:*) vol=${line##*[[:space:]]} ;;
        nonvoluntary_ctxt_switches:*) invol=${line##*[[:space:]]} ;;
      esac
    done < "$t/status" 2>/dev/null || true
    THREAD_TICKS+="${name// /_} $((f[11] + f[12])) $vol $invol"$'\n'
  done
}
# machine_report BEFORE AFTER: how the machine's cores spent the window, from two readings of the
# first line of /proc/stat (every process counts, the measuring script's too)
machine_report() {
  python3 - "$1" "$2" <<'PY'
import sys
names = 'user nice system idle iowait irq softirq steal'.split()
d = [int(b) - int(a) for a, b in zip(sys.argv[1].split()[1:9], sys.argv[2].split()[1:9])]
total = sum(d)
print('  machine in the window: ' + ', '.join('%s %.0f%%' % (k, 100 * v / total) for k, v in zip(names, d) if v)
      + ' of its cores\' time')
PY
}
# thread_report TITLE BEFORE AFTER SAMPLES: the threads of two thread_ticks readings of one process,
# by CPU time between them, in us per sample (threads of one name, GC workers..., summed), with
# their context switches per 1,000 samples (voluntary: parked or blocked; involuntary: preempted)
thread_report() {
  python3 - "$1" "$2" "$3" "$4" "$(getconf CLK_TCK)" <<'PY'
import collections, sys
def parse(text):
    d = collections.defaultdict(lambda: [0, 0, 0])
    for line in text.splitlines():
        if line.strip():
            name, *counts = line.rsplit(' ', 3)
            for i, c in enumerate(counts):
                d[name][i] += int(c)
    return d
title, a, b, n, hz = sys.argv[1], parse(sys.argv[2]), parse(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
delta = {k: [x - y for x, y in zip(b[k], a[k] if k in a else [0, 0, 0])] for k in b}
rows = sorted(((d[0], k) for k, d in delta.items()), reverse=True)
print('  %s threads in the window (us per sample; context switches per 1,000 samples, voluntary/involuntary;'
      ' threads of one name summed):' % title)
for t, k in rows[:12]:
    if t > 0:
        print('    %-16s %6.1f  %6.1f %6.1f' % (k, 1e6 * t / hz / n, 1e3 * delta[k][1] / n, 1e3 * delta[k][2] / n))
PY
}
