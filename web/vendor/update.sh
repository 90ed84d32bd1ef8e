#!/bin/sh
# Re-fetches the vendored libraries from npm at their pinned versions, checks
# each tarball against the registry's integrity (sha512) recorded here, copies
# the files the front end uses, and rewrites vendor/<name>/SHA256SUMS.
# web/e2e/vendor.test.mjs checks the files against SHA256SUMS on every run.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# vendor NAME VERSION INTEGRITY FILES: FILES are paths inside the package,
# copied to vendor/NAME/ under the same paths.
vendor() {
  name=$1 version=$2 integrity=$3 files=$4
  rm -rf "$tmp/package" "$tmp"/*.tgz
  (cd "$tmp" && npm pack --silent "$name@$version" >/dev/null)
  tgz=$(ls "$tmp"/*.tgz)
  got="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)"
  [ "$got" = "$integrity" ] || { echo "$name $version: tarball integrity $got, want $integrity" >&2; exit 1; }
  tar -xzf "$tgz" -C "$tmp"
  out="$here/$name"
  rm -rf "$out" && mkdir -p "$out"
  for f in $files; do mkdir -p "$out/$(dirname "$f")" && cp "$tmp/package/$f" "$out/$f"; done
  (cd "$out" && sha256sum $files > SHA256SUMS)
  echo "$name $version vendored into $out"
}

vendor lit-html 3.3.3 'sha512-el8M6jK2o3RXBnrSHX3ZKrsN8zEV63pSExTO1wYJz7QndGYZ8353e2a5PPX+qHe2aGayfnchQmkAojaWAREOIA==' \
  'lit-html.js directive.js directive-helpers.js async-directive.js directives/live.js directives/ref.js directives/repeat.js LICENSE'
# chart.js: the UMD build, which needs no bundler and no import map (its ES
# build imports the bare specifier '@kurkle/color'); web/js/ui/chart.js
# imports it for its side effect (it sets globalThis.Chart).
vendor chart.js 4.6.1 'sha512-hJyniucsFmq//EvXYvJ6c6mahPoI3kaxdjVH8awTaJ/fDNWeSqqqArixMJWkWNN6fcYvPU3HneSANFNYtRi61g==' \
  'dist/chart.umd.min.js LICENSE.md'
