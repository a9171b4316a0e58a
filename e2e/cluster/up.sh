#!/usr/bin/env bash
# Start the local Kubernetes lab (see lab.sh and README.md). Last line: export KUBECONFIG=<path>
set -euo pipefail
exec "$(dirname "${BASH_SOURCE[0]}")/lab.sh" up "$@"
