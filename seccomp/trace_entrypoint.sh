#!/bin/sh
# docker coredata trace wrapper: PID 1 of a trace container.
#
#   trace_entrypoint.sh OUTPUT_PREFIX STRACE [STRACE_OPTION...] -- COMMAND [ARG...]
#
# runs   STRACE [STRACE_OPTION...] -ff -A -o OUTPUT_PREFIX -- COMMAND [ARG...]
# (one file OUTPUT_PREFIX.<pid> per traced process), forwards the stop signals it receives to the
# traced command (not to strace, which ignores them while it writes to a file), waits for strace to
# write the last lines, and exits with the command's status. POSIX sh only: runs under dash and
# busybox sh; needs no /tmp, no ps, no kill binary (kill and read are builtins).
set -u

if [ "$#" -lt 4 ]; then
  echo "usage: trace_entrypoint.sh OUTPUT_PREFIX STRACE [STRACE_OPTION...] -- COMMAND [ARG...]" >&2
  exit 2
fi
prefix=$1
shift

# Rebuild "$@" in place: every word is rotated to the end once; the first "--" gains the output flags.
total=$#
i=0
seen=
while [ "$i" -lt "$total" ]; do
  word=$1
  shift
  i=$((i + 1))
  if [ -z "$seen" ] && [ "$word" = "--" ]; then
    seen=1
    set -- "$@" -ff -A -o "$prefix" --
  else
    set -- "$@" "$word"
  fi
done
if [ -z "$seen" ]; then
  echo "trace_entrypoint.sh: missing -- before the command" >&2
  exit 2
fi

"$@" &
tracer=$!
tracee=

# The traced command is strace's only child; find it by PPid in /proc (no /proc/PID/task/*/children
# on every kernel). Its pid does not change when it execs.
find_tracee() {
  for status_file in /proc/[0-9]*/status; do
    while read -r key value; do
      case $key in
        PPid:)
          if [ "$value" = "$tracer" ]; then
            pid=${status_file#/proc/}
            tracee=${pid%/status}
            return 0
          fi
          break
          ;;
      esac
    done <"$status_file" 2>/dev/null
  done
  return 1
}

forward() {
  if [ -z "$tracee" ]; then find_tracee || true; fi
  if [ -n "$tracee" ]; then
    kill -s "$1" "$tracee" 2>/dev/null || true
  fi
}

trap 'forward TERM' TERM
trap 'forward INT' INT
trap 'forward QUIT' QUIT
trap 'forward HUP' HUP
trap 'forward USR1' USR1
trap 'forward USR2' USR2
trap 'forward WINCH' WINCH

# wait returns early (status > 128) when a trapped signal arrives; go on until strace is gone.
while :; do
  wait "$tracer"
  status=$?
  if kill -0 "$tracer" 2>/dev/null; then continue; fi
  break
done
exit "$status"
