#!/bin/sh
# Re-fetches the vendored lit-html from npm at the pinned version, checks the
# tarball against the registry's integrity (sha512) recorded here, copies the
# modules the front end imports, and rewrites vendor/lit-html/SHA256SUMS.
# web/e2e/vendor.test.mjs checks the files against SHA256SUMS on every run.
set -eu
VERSION=3.3.3
INTEGRITY='sha512-el8M6jK2o3RXBnrSHX3ZKrsN8zEV63pSExTO1wYJz7QndGYZ8353e2a5PPX+qHe2aGayfnchQmkAojaWAREOIA=='
FILES='lit-html.js directive.js directive-helpers.js async-directive.js directives/live.js directives/ref.js directives/repeat.js LICENSE'
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "lit-html@$VERSION" >/dev/null)
got="sha512-$(openssl dgst -sha512 -binary "$tmp/lit-html-$VERSION.tgz" | base64 -w0)"
[ "$got" = "$INTEGRITY" ] || { echo "lit-html $VERSION: tarball integrity $got, want $INTEGRITY" >&2; exit 1; }
tar -xzf "$tmp/lit-html-$VERSION.tgz" -C "$tmp"
out="$here/lit-html"
rm -rf "$out" && mkdir -p "$out/directives"
for f in $FILES; do cp "$tmp/package/$f" "$out/$f"; done
(cd "$out" && sha256sum $FILES > SHA256SUMS)
echo "lit-html $VERSION vendored into $out"
