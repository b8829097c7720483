#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image (Ubuntu 22.04).
# It installs the grader into a virtual environment that any user can execute.
set -euo pipefail
SOURCE="${AUTOGRADER_SOURCE:-/autograder/source}"
VENV="${AUTOGRADER_VENV:-/opt/autograder-venv}"

if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c 'import ensurepip' >/dev/null 2>&1; then
  apt-get update -qq && apt-get install -y -qq python3-venv python3-pip >/dev/null
fi
python3 -m venv "$VENV"
"$VENV/bin/pip" install -q --upgrade pip
"$VENV/bin/pip" install -q -r "$SOURCE/requirements-gradescope.txt"
"$VENV/bin/pip" install -q --no-deps -e "$SOURCE"
chmod -R a+rX "$VENV"
echo "autograder installed in $VENV"
