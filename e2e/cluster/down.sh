#!/usr/bin/env bash
# Stop the local Kubernetes lab and remove everything it created (see lab.sh).
set -euo pipefail
exec "$(dirname "${BASH_SOURCE[0]}")/lab.sh" down "$@"
