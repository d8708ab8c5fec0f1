#!/bin/sh
# Runs one instruction on several models against the repository in the current directory, for a
# CI job: writes every successful run's patch to goosuke-patches/ and the machine-readable result
# to goosuke-result.json, and exits with goosuke's status (0 when at least one run succeeded).
#
# Environment:
#   GOOSUKE_INSTRUCTION  (required) what the models should do
#   GOOSUKE_MODELS       comma-separated models, provider:model or stored profile names
#                        (default: openai:gpt-4.1,anthropic:claude-sonnet-4-6)
#   GOOSUKE_BASE         the branch, tag or commit to start from (default: the checked-out HEAD)
#   GOOSUKE_OUT          where patches go (default: goosuke-patches)
#   GOOSUKE_RESULT       where the JSON result goes (default: goosuke-result.json)
#   GOOSUKE_BIN          the command that runs goosuke (default: npx --no goosuke, i.e. the
#                        @goosuke/cli installed in this repository; --no never downloads one)
#   GOOSUKE_SECRET_KEY, GOOSUKE_DATA_DIR, OPENAI_API_KEY, ANTHROPIC_API_KEY, GEMINI_API_KEY and
#   the *_BASE_URL variables are read by goosuke itself.
set -eu

if [ -z "${GOOSUKE_INSTRUCTION:-}" ]; then
  echo 'goosuke-run.sh: set GOOSUKE_INSTRUCTION to the instruction for the models' >&2
  exit 2
fi
models=${GOOSUKE_MODELS:-openai:gpt-4.1,anthropic:claude-sonnet-4-6}
out=${GOOSUKE_OUT:-goosuke-patches}
result=${GOOSUKE_RESULT:-goosuke-result.json}

# Build the argument list in "$@": one --model per comma-separated entry, blanks trimmed.
set -f # no globbing while splitting
set --
saved_ifs=$IFS
IFS=,
for model in $models; do
  model=$(printf '%s' "$model" | sed 's/^[[:space:]]*//; s/[[:space:]]*$//')
  if [ -n "$model" ]; then set -- "$@" --model "$model"; fi
done
IFS=$saved_ifs
set +f
if [ $# -eq 0 ]; then
  echo 'goosuke-run.sh: GOOSUKE_MODELS names no model' >&2
  exit 2
fi
if [ -n "${GOOSUKE_BASE:-}" ]; then set -- "$@" --base "$GOOSUKE_BASE"; fi

# Progress goes to stderr (the job log); stdout is the JSON document.
status=0
# shellcheck disable=SC2086 # GOOSUKE_BIN may be a command with arguments
${GOOSUKE_BIN:-npx --no goosuke} run --repo . "$@" -m "$GOOSUKE_INSTRUCTION" --out "$out" --json >"$result" ||
  status=$?

echo "goosuke exited with status $status; result in $result, patches in $out/" >&2
exit "$status"
