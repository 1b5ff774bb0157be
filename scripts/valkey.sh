#!/usr/bin/env bash
# Prints the folder of a valkey-server (and valkey-cli) built from the Valkey source in
# ../shared/valkey/ (VALKEY_SOURCE: a release tarball), building it the first time: about two
# minutes on 2 cores. The build is kept outside the checkout (VALKEY_CACHE, by default
# /var/cache/redis-prefix-cache when writable, else ~/.cache/redis-prefix-cache), under the
# tarball's SHA-256, so later runs on the same machine reuse it and a new source builds anew.
#
#   REDISMS_SYSTEM_BINARY="$(bash scripts/valkey.sh)/valkey-server" npm test
#
# The test helpers then start valkey-server wherever they would start redis-server, and
# valkey-cli for `--cluster create` (scripts/embedded-redis.ts findRedisCli).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
source="${VALKEY_SOURCE:-$(ls "$root"/../shared/valkey/valkey-*.tar.gz 2>/dev/null | sort -V | tail -n 1)}"
if [ -z "$source" ] || [ ! -f "$source" ]; then
  echo "valkey.sh: no Valkey source tarball (../shared/valkey/valkey-*.tar.gz, or VALKEY_SOURCE)" >&2
  exit 1
fi
if [ -z "${VALKEY_CACHE:-}" ]; then
  if mkdir -p /var/cache/redis-prefix-cache 2>/dev/null && [ -w /var/cache/redis-prefix-cache ]; then
    VALKEY_CACHE=/var/cache/redis-prefix-cache
  else
    VALKEY_CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/redis-prefix-cache"
  fi
fi
sum=$(sha256sum "$source" | cut -c1-16)
name=$(basename "$source" .tar.gz)
out="$VALKEY_CACHE/$name-$sum"
if [ -x "$out/valkey-server" ] && [ -x "$out/valkey-cli" ]; then
  echo "$out"
  exit 0
fi

for tool in cc make; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "valkey.sh: installing Debian's build-essential" >&2
      DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq build-essential >&2
    else
      echo "valkey.sh: $tool is needed to build Valkey" >&2
      exit 1
    fi
  fi
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "valkey.sh: building $name from $source (once; kept in $out)" >&2
tar -xzf "$source" -C "$work"
# No TLS and no systemd: the tests start plain servers on loopback.
make -C "$work/$name" -j"$(nproc)" BUILD_TLS=no USE_SYSTEMD=no >"$work/build.log" 2>&1 || {
  tail -n 40 "$work/build.log" >&2
  echo "valkey.sh: the build failed" >&2
  exit 1
}
mkdir -p "$out.tmp"
cp "$work/$name/src/valkey-server" "$work/$name/src/valkey-cli" "$out.tmp/"
rm -rf "$out"
mv "$out.tmp" "$out"
"$out/valkey-server" --version >&2
echo "$out"
