# Sourced by the scripts that run uv (setup, test, gen-proto, benches, deploy checks): puts the uv that
# setup installed on PATH for this shell and its children. pip --user puts it in ~/.local/bin or Python's
# user base, which a fresh shell often lacks on PATH; the executor looks in the same folders.
if ! command -v uv >/dev/null 2>&1; then
  for aepo_uv_dir in "$HOME/.local/bin" "$(python3 -m site --user-base 2>/dev/null || echo "$HOME/.local")/bin"; do
    if [ -x "$aepo_uv_dir/uv" ]; then
      export PATH="$aepo_uv_dir:$PATH"
      break
    fi
  done
  unset aepo_uv_dir
fi
