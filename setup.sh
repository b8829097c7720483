#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image (Ubuntu 22.04, Python 3.10).
# It installs the grader into a virtual environment that any user can execute, from the locks in
# requirements/ (exact versions, hashes checked), and builds the assignment's students' environment.
set -euo pipefail
SOURCE="${AUTOGRADER_SOURCE:-/autograder/source}"
VENV="${AUTOGRADER_VENV:-/opt/autograder-venv}"
# CPU-only PyTorch: importing the CUDA build alone takes ~800 MB, more than Gradescope's default box. torch and
# torchvision come from this index at the lock's versions (by version: the lock's hashes are the registry's).
export TORCH_INDEX="${TORCH_INDEX:-https://download.pytorch.org/whl/cpu}"

# venv and pip, and tkinter: students' code may import turtle or tkinter (a real hw6 copy does), which Ubuntu's
# Python lacks without python3-tk; libseccomp2, through which workers deny the network to themselves and to
# every process they start (worker/_autograder_netfilter.py).
if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c 'import ensurepip, tkinter' >/dev/null 2>&1 \
    || ! ldconfig -p | grep -q 'libseccomp\.so\.2'; then
  apt-get update -qq && apt-get install -y -qq python3-venv python3-pip python3-tk libseccomp2 >/dev/null
fi
python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check --require-hashes -r "$SOURCE/requirements/grader.txt"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e "$SOURCE"
# The grader's torch (its dataset layer reads the files with torchvision).
"$VENV/bin/python" -m autograder.environments "$SOURCE/requirements/torch.txt"
# Datasets once, at image build. By default the deterministic synthetic stand-ins that the bundled
# fixtures were calibrated on; AUTOGRADER_DOWNLOAD=1 fetches the real ones (then calibrate the fixtures on
# them too: a threshold is never applied to data other than its own). Root's alone: only the grader
# reads datasets (submissions get arrays), and the test sets' labels are hidden labels.
export AUTOGRADER_DATA="${AUTOGRADER_DATA:-/opt/autograder-data}"
"$VENV/bin/autograder" data ${AUTOGRADER_DOWNLOAD:+--download} --root "$AUTOGRADER_DATA" \
  || echo "warning: datasets not prepared" >&2
chmod -R go-rwx "$AUTOGRADER_DATA" 2>/dev/null || true
chmod -R a+rX "$VENV"
# Submission code runs as an unprivileged account (no home, no shell, no supplementary groups), and
# the grader's own files (tests, fixtures with hidden labels, reference) are kept from it. The worker
# scripts are copied elsewhere at grading time, so nothing under the source folder needs to be shared.
# Gradescope grades one submission per container: one account; a machine that grades a class in parallel
# (`autograder bulk --jobs N`, a Ray node) sets AUTOGRADER_SLOTS=N for one account per slot.
"$VENV/bin/autograder" sandbox --create --slots "${AUTOGRADER_SLOTS:-1}"
# The students' environment (the packages the assignment's assignment.toml declares), built now rather
# than at the first submission; grading finds it under $AUTOGRADER_ENVS (default /opt/autograder-envs).
AUTOGRADER_HOME="$SOURCE" "$VENV/bin/autograder" env "$(tr -d '[:space:]' < "$SOURCE/ASSIGNMENT")"
chmod 700 "$SOURCE"
echo "autograder installed in $VENV"
