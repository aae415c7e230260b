# Sourced by the scripts that install Go tools (deploy/check.sh, test/tools/install-grpcurl.sh,
# test/bench/api-bench.sh): puts the machine's Go toolchain on PATH when a shell lacks it, and defines
# install_go_tool.
if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then export PATH="$PATH:/usr/local/go/bin"; fi

# install_go_tool NAME VERSION PACKAGE BIN: `go install PACKAGE@VERSION` once, as BIN/NAME-VERSION.
# Go's own module and build caches (in the home folder, outside any checkout, so eslint never sees
# the modules' .js files) are kept, so a second clone of the repository compiles nothing again.
install_go_tool() {
  local name=$1 version=$2 pkg=$3 bin=$4
  [ -x "$bin/$name-$version" ] && return 0
  command -v go >/dev/null 2>&1 || {
    echo "installing $name needs the Go toolchain: not on PATH nor in /usr/local/go/bin" >&2
    return 1
  }
  mkdir -p "$bin"
  local out start=$SECONDS
  out=$(mktemp -d "${TMPDIR:-/tmp}/aepo-go-tool.XXXXXX")
  printf '[go-tools] installing %s %s (go install)\n' "$name" "$version" >&2
  if GOBIN="$out" GOFLAGS="-buildvcs=false -trimpath" CGO_ENABLED=0 go install "$pkg@$version" 2>"$out/log"; then
    mv "$out/$name" "$bin/$name-$version"
    rm -rf "$out"
    printf '[go-tools] %s installed in %d s\n' "$name" $((SECONDS - start)) >&2
  else
    cat "$out/log" >&2
    rm -rf "$out"
    return 1
  fi
}

# install_go_module_tool NAME MODULE VERSION SUBDIR BIN: like install_go_tool, for a module whose go.mod
# has replace directives, which `go install PACKAGE@VERSION` refuses (SeaweedFS's does): downloads the
# module into Go's module cache (`go mod download`) and builds SUBDIR inside it as the main module, so
# the replace directives apply; the binary lands as BIN/NAME-VERSION.
install_go_module_tool() {
  local name=$1 module=$2 version=$3 subdir=$4 bin=$5
  [ -x "$bin/$name-$version" ] && return 0
  command -v go >/dev/null 2>&1 || {
    echo "installing $name needs the Go toolchain: not on PATH nor in /usr/local/go/bin" >&2
    return 1
  }
  mkdir -p "$bin"
  # One build at a time: the test suite starts this in the background early (scripts/test.sh) and a
  # test may ask for the binary while that build runs; the second caller waits, then finds it.
  local lock_fd
  exec {lock_fd}>"$bin/.$name.lock"
  flock "$lock_fd"
  if [ -x "$bin/$name-$version" ]; then
    flock -u "$lock_fd"
    return 0
  fi
  local dir start=$SECONDS
  printf '[go-tools] installing %s %s (go mod download + go build)\n' "$name" "$version" >&2
  dir=$(go mod download -json "$module@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -n "$dir" ] || {
    echo "go mod download $module@$version gave no module folder" >&2
    return 1
  }
  # Built to a temporary name, then renamed: an interrupted build never leaves a half-written binary.
  if (cd "$dir" && GOFLAGS="-buildvcs=false -trimpath -mod=readonly" CGO_ENABLED=0 \
    go build -o "$bin/.$name-$version.partial" "./$subdir"); then
    mv "$bin/.$name-$version.partial" "$bin/$name-$version"
    printf '[go-tools] %s installed in %d s\n' "$name" $((SECONDS - start)) >&2
    flock -u "$lock_fd"
  else
    rm -f "$bin/.$name-$version.partial"
    flock -u "$lock_fd"
    return 1
  fi
}
