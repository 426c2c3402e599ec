#!/usr/bin/env bash
# Creates or refreshes one virtual environment: `bootstrap.sh app` or `bootstrap.sh rasa`.
# The two are kept apart because Rasa 3.6 pins old numpy/TensorFlow that the app must not inherit.
# uv is installed for the current user if missing; its cache (~/.cache/uv) makes re-creation fast.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"

if ! "$PYTHON" -m uv --version >/dev/null 2>&1; then
  echo "Installing uv for $PYTHON ..."
  "$PYTHON" -m pip install --quiet --user uv 2>/dev/null || "$PYTHON" -m pip install --quiet uv
fi
UV=("$PYTHON" -m uv)
# Installed packages are compiled to bytecode: uv leaves them as source, and a process that may not
# write __pycache__ (PYTHONDONTWRITEBYTECODE, a read-only tree) compiles every module it imports at
# every start. Rasa's imports took 24 s of CPU from source and 7 s compiled; a restart after a
# crash is that much shorter.

# torch: a local CPU wheel directory if the machine has one, else PyTorch's CPU index, so that
# nobody downloads gigabytes of CUDA wheels. Both are overridable.
TORCH_FIND_LINKS="${TORCH_FIND_LINKS:-/opt/wheels}"
TORCH_INDEX_URL="${TORCH_INDEX_URL:-https://download.pytorch.org/whl/cpu}"
torch_source=()
if [ -d "$TORCH_FIND_LINKS" ] && ls "$TORCH_FIND_LINKS"/torch-*.whl >/dev/null 2>&1; then
  torch_source=(--find-links "$TORCH_FIND_LINKS")
else
  torch_source=(--extra-index-url "$TORCH_INDEX_URL" --index-strategy unsafe-best-match)
fi

case "${1:-}" in
  app)
    [ -x .venv/bin/python ] || "${UV[@]}" venv --quiet --python "$PYTHON" .venv
    "${UV[@]}" pip install --quiet --compile-bytecode --python .venv/bin/python "${torch_source[@]}" -r requirements/app.txt -r requirements/dev.txt
    touch .venv/.installed
    ;;
  rasa)
    [ -x .venv-rasa/bin/python ] || "${UV[@]}" venv --quiet --python "$PYTHON" .venv-rasa
    "${UV[@]}" pip install --quiet --compile-bytecode --python .venv-rasa/bin/python --overrides requirements/rasa-overrides.txt -r requirements/rasa.txt
    touch .venv-rasa/.installed
    ;;
  *)
    echo "usage: $0 app|rasa" >&2
    exit 2
    ;;
esac
