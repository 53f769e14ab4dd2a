#!/usr/bin/env bash
# Agent turn latency on the tiny model: starts flashcoded on a fresh state directory and runs
# N one-call turns (`flashcode exec --max-output-tokens 4`) in new sessions of one workspace,
# printing each turn's prompt tokens and total time. Every turn's prompt starts with the same
# ~1,630 tokens (system prompt and tool declarations): with the engine's prefix cache the
# first two turns prefill them and later turns continue from the cached copy.
#   usage: bench/agent_turns.sh [BUILD_DIR] [N]     (FLASHCODED=path overrides the daemon)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
turns=${2:-5}
work=$(mktemp -d /tmp/fc_agent_turns_XXXXXX)
trap 'kill "$daemon" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
export HOME=$work/home XDG_STATE_HOME=$work/state XDG_CACHE_HOME=$work/cache \
  XDG_CONFIG_HOME=$work/config XDG_RUNTIME_DIR=$work/run
mkdir -p "$HOME" "$work/ws" "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
"$build/cli/flashcode" model init --preset tiny --out "$work/tiny" >/dev/null
echo 'print("hello")' >"$work/ws/hello.py"
printf '[model]\npath = "%s"\ncontext_limit = 4096\n' "$work/tiny" >"$work/config.toml"
"${FLASHCODED:-$build/daemon/flashcoded}" --socket "$work/d.sock" --config "$work/config.toml" \
  >"$work/daemon.log" 2>&1 &
daemon=$!
for _ in $(seq 300); do [[ -S $work/d.sock ]] && break; sleep 0.1; done
printf '%-5s %-14s %s\n' turn prompt_tokens total_ms
for i in $(seq "$turns"); do
  "$build/cli/flashcode" --socket "$work/d.sock" exec -C "$work/ws" --json \
    --max-output-tokens 4 "Say hi, number $i." >"$work/exec$i.json" 2>/dev/null || true
  done_line=$(grep '"done"' "$work/exec$i.json" || echo '{}')
  prompt=$(grep -o '"prompt_tokens":"[0-9]*"' <<<"$done_line" | grep -o '[0-9]*' || echo '?')
  total=$(grep -o '"total_ms":"[0-9]*"' <<<"$done_line" | grep -o '[0-9]*' || echo '?')
  printf '%-5s %-14s %s\n' "$i" "$prompt" "$total"
done
