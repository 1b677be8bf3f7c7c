#!/bin/sh
# Runs the alignstream fat jar: `alignstream COMMAND [OPTIONS]` (the image's entrypoint adds
# `serve`). The JVM sizes its heap from the container's memory limit (it reads the cgroup limit);
# the share not given to the heap is left for RocksDB state stores, thread stacks and metaspace.
# An OutOfMemoryError ends the process so that the orchestrator restarts it and Kafka Streams
# restores the state, instead of a half-broken JVM serving on. JAVA_OPTS comes last, so whatever
# it sets wins (e.g. JAVA_OPTS=-Xmx512m).
# --add-modules jdk.incubator.vector turns on the vector kernels (same results, faster learning
# step; the JVM notes once on stderr that an incubator module is in use). It is only added when
# this Java runtime has the module: a trimmed JRE may not, and java refuses to start when asked
# for a module it does not have. JAVA_OPTS=-Dalignstream.vector=false turns the kernels off.
set -eu
jar="${ALIGNSTREAM_JAR:-/opt/alignstream/alignstream.jar}"
if [ ! -r "$jar" ]; then
    echo "alignstream: jar not found or not readable: $jar (set ALIGNSTREAM_JAR)" >&2
    exit 2
fi
vector=
if java --list-modules 2>/dev/null | grep -q '^jdk\.incubator\.vector@'; then
    vector=--add-modules=jdk.incubator.vector
fi
# JAVA_OPTS is split into words on purpose: it holds several options.
# shellcheck disable=SC2086
exec java -XX:MaxRAMPercentage="${ALIGNSTREAM_HEAP_PERCENTAGE:-60}" -XX:+ExitOnOutOfMemoryError \
    $vector ${JAVA_OPTS:-} -jar "$jar" "$@"
