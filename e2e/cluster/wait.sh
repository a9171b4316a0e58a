# shellcheck shell=bash
# Sourced by control-plane.sh and lab.sh: wait for a condition while watching the component that should
# bring it about, so a crashed component fails the wait at once with its last log lines, not at the timeout.
#
# The sourcing script defines: log MSG; component_alive NAME (its process runs); component_log NAME
# (path of its log file). WAIT_INTERVAL (seconds between checks) defaults to 0.5.

wait_for() { # wait_for WHAT TIMEOUT_S COMPONENT COMMAND...   (COMPONENT may be "")
  local what="$1" timeout="$2" component="$3" && shift 3
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if [[ -n $component ]] && ! component_alive "$component"; then
      log "$component exited; last lines of $(component_log "$component"):"
      tail -n 40 "$(component_log "$component")" >&2 || true
      return 1
    fi
    if ((SECONDS >= deadline)); then
      log "timed out after ${timeout}s waiting for $what"
      [[ -n $component ]] && tail -n 40 "$(component_log "$component")" >&2
      return 1
    fi
    sleep "${WAIT_INTERVAL:-0.5}"
  done
}
