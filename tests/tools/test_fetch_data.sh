#!/usr/bin/env bash
# tools/fetch-data.sh's download path, offline: a local HTTP server (python3 -m http.server on
# 127.0.0.1, a free port) serves small archives this test builds (real images from the local
# mirror when there is one, generated ones otherwise), described by a sources table the test
# writes. It checks that
#   - a good fetch installs facades, horse2zebra and CIFAR-10 (binary batches) and ganforge
#     trains a step on each of them, found by name in the data cache;
#   - a second fetch downloads nothing;
#   - a wrong checksum fails naming the URL and both digests, leaving nothing installed;
#   - a 404 and a refused connection are each one clear error;
#   - archives with a "../" member (tar.gz and zip) are refused, and nothing escapes;
#   - an archive without a pinned checksum needs --insecure-no-checksum;
#   - a folder not put there by the script is never replaced, and a left-over temporary
#     folder of an interrupted fetch is cleaned up and never read as a data set.
# Usage: test_fetch_data.sh PATH/TO/ganforge. Needs python3, zip, curl, unzip (tools/setup.sh
# installs them). The server is stopped when the test ends, passing or not.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
ganforge="${1:?usage: test_fetch_data.sh PATH/TO/ganforge}"
fetch="$root/tools/fetch-data.sh"
for command in python3 zip curl unzip; do
  command -v "$command" >/dev/null || { echo "test_fetch_data: $command is missing; install it with: apt-get install -y $command" >&2; exit 1; }
done

tmp="$(mktemp -d "${TMPDIR:-/tmp}/ganforge-fetch-test.XXXXXX")"
server=""
cleanup() {
  if [[ -n "$server" ]]; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

failures=0
pass() { echo "ok: $*"; }
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# The local mirror (its default place, as in tools/fetch-data.sh), only as a source of real
# images for the fixtures.
mirror="${GANFORGE_SHARED_DATA:-$root/../shared/data}"
# Everything the fetches see: their own cache, no mirror, no proxy, no retries (a 404 or a
# refused connection is not retried anyway; a retry would only slow a failing test down).
export GANFORGE_DATA_CACHE="$tmp/cache" GANFORGE_SHARED_DATA="$tmp/no-mirror" GANFORGE_FETCH_RETRIES=0
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
export NO_PROXY=127.0.0.1 no_proxy=127.0.0.1

# ---- Fixtures: a few images a split, CIFAR-10 batches of 10 records, and two hostile archives.
src="$tmp/src" www="$tmp/www"
mkdir -p "$src" "$www"
python3 - "$src" "$mirror" <<'EOF'
import os, shutil, struct, sys, zlib
src, mirror = sys.argv[1], sys.argv[2]

def png(path, width, height, seed):
    rows = b"".join(b"\0" + bytes((seed + 7 * y + 3 * x + 50 * c) % 256 for x in range(width) for c in range(3))
                    for y in range(height))
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))

def images(name, folders, width, height):
    for folder in folders:
        os.makedirs(os.path.join(src, name, folder))
        real = os.path.join(mirror, name, folder)
        files = sorted(os.listdir(real))[:3] if os.path.isdir(real) else []
        for i in range(3):
            if files:
                shutil.copy(os.path.join(real, files[i]), os.path.join(src, name, folder, files[i]))
            else:
                png(os.path.join(src, name, folder, f"{i}.png"), width, height, i)

images("facades", ["train", "val", "test"], 512, 256)
images("horse2zebra", ["trainA", "trainB", "testA", "testB"], 64, 64)
os.makedirs(os.path.join(src, "cifar-10-batches-bin"))
for batch in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
    with open(os.path.join(src, "cifar-10-batches-bin", batch + ".bin"), "wb") as f:
        for record in range(10):
            f.write(bytes([record % 10]) + os.urandom(3072))
EOF
tar -czf "$www/facades.tar.gz" -C "$src" facades
(cd "$src" && zip -qr "$www/horse2zebra.zip" horse2zebra)
tar -czf "$www/cifar-10-binary.tar.gz" -C "$src" cifar-10-batches-bin
# "facades/../../escaped": unpacked naively into the cache's temporary folder, it would land
# in the cache itself.
echo "should never be written" >"$tmp/escaped"
tar -czPf "$www/evil.tar.gz" -C "$src" --transform 's,^facades/train/[^/]*$,facades/../../escaped,' facades
rm "$tmp/escaped"
python3 - "$www/evil.zip" <<'EOF'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w") as z:
    z.writestr("horse2zebra/trainA/0.png", b"not an image")
    z.writestr("horse2zebra/../../escaped", b"should never be written")
EOF

# ---- The server: python3's http.server on the fixtures, plus /endless, a body without a
# Content-Length (so only the download's size cap can stop it). Port 0 lets the kernel pick a
# free port, which it prints; a watchdog ends it after 5 minutes even if this script is killed
# before its trap runs.
cat >"$tmp/server.py" <<'EOF'
import functools, http.server, sys

class Handler(http.server.SimpleHTTPRequestHandler):
    def do_GET(self):
        if self.path != "/endless":
            return super().do_GET()
        self.send_response(200)
        self.send_header("Connection", "close")
        self.end_headers()
        try:
            for _ in range(1000):
                self.wfile.write(b"x" * 65536)
        except OSError:
            pass  # the client hung up: what the test wants

server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=sys.argv[1]))
print(f"Serving HTTP on 127.0.0.1 port {server.server_address[1]}", flush=True)
server.serve_forever()
EOF
timeout 300 python3 -u "$tmp/server.py" "$www" >"$tmp/server.log" 2>&1 &
server=$!
port=""
for _ in $(seq 100); do
  port="$(sed -n 's/^Serving HTTP on 127\.0\.0\.1 port \([0-9]*\).*/\1/p' "$tmp/server.log")"
  [[ -n "$port" ]] && break
  sleep 0.1
done
[[ -n "$port" ]] || { cat "$tmp/server.log" >&2; echo "FAIL: the HTTP server did not start" >&2; exit 1; }
base="http://127.0.0.1:$port"
# A port nothing listens on: bound, then closed again.
closed_port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"

sha() { sha256sum "$1" | cut -d' ' -f1; }
md5() { md5sum "$1" | cut -d' ' -f1; }
size() { stat -c %s "$1"; }
# table FILE, then rows "name url checksums bytes kind folder" (spaces become tabs)
table() {
  local file="$1"
  shift
  printf 'name\turl\tchecksums\tbytes\tkind\tfolder\n' >"$file"
  for row in "$@"; do tr ' ' '\t' <<<"$row" >>"$file"; done
}
good="$tmp/good.tsv"
table "$good" \
  "facades $base/facades.tar.gz sha256:$(sha "$www/facades.tar.gz") $(size "$www/facades.tar.gz") tar.gz facades" \
  "horse2zebra $base/horse2zebra.zip sha256:$(sha "$www/horse2zebra.zip"),md5:$(md5 "$www/horse2zebra.zip") $(size "$www/horse2zebra.zip") zip horse2zebra" \
  "cifar10 $base/cifar-10-binary.tar.gz sha256:$(sha "$www/cifar-10-binary.tar.gz") - tar.gz cifar-10-batches-bin"
requests() { grep -c '"GET ' "$tmp/server.log" || true; }
# Nothing but the lock file may be left in a cache after a failed fetch.
only_lock_in() {
  local left
  left="$(cd "$1" && find . -mindepth 1 ! -name .fetch-data.lock | head -5)"
  [[ -z "$left" ]] || { echo "left in $1: $left" >&2; return 1; }
}
# run NAME: runs the rest as a command, keeping its status and output in $status / $output.
run() {
  status=0
  output="$("$@" 2>&1)" || status=$?
}

# ---- 1. A good fetch of all three, a left-over temporary folder cleaned up on the way.
mkdir -p "$GANFORGE_DATA_CACHE/.fetch-facades.stale/facades/train"
run "$fetch" --sources "$good" all
if ((status == 0)); then pass "good fetch of all three"; else fail "good fetch exited $status: $output"; fi
cache="$GANFORGE_DATA_CACHE"
for folder in facades horse2zebra cifar-10-batches-bin; do
  [[ -f "$cache/$folder/.ganforge-fetched" ]] || fail "$cache/$folder has no .ganforge-fetched marker"
done
[[ ! -e "$cache/.fetch-facades.stale" ]] || fail "the interrupted fetch's temporary folder was not removed"
[[ -z "$(find "$cache" -maxdepth 1 -name '.fetch-*' ! -name .fetch-data.lock)" ]] || fail "temporary folders left in $cache"
grep -q "sha256.*md5" "$cache/horse2zebra/.ganforge-fetched" || fail "the horse2zebra marker does not record both digests"

# The loaders read what was installed: ganforge finds each by name and trains one step.
train() {
  local arch="$1" data="$2" expect="$3"
  shift 3
  run "$ganforge" train "$arch" --data "$data" --steps 1 --batch 1 --ngf 8 --ndf 8 --workers 0 --out "$tmp/run-$arch" "$@"
  if ((status == 0)) && grep -qF "$expect" <<<"$output"; then
    pass "ganforge $arch reads $data: $expect"
  else
    fail "ganforge train $arch --data $data (status $status) did not say '$expect': $output"
  fi
}
train pix2pix facades "on 3 paired images from $cache/facades/train" --image-size 32 --depth 5
train cyclegan horse2zebra "on 3 unpaired images from $cache/horse2zebra (3 A, 3 B)" --image-size 32 --blocks 1
train dcgan cifar10 "on 50 CIFAR-10 batches from $cache/cifar-10-batches-bin"

# ---- 2. A second fetch is a no-op: no request reaches the server, the marker is unchanged.
before="$(requests)" marker_before="$(stat -c %Y.%i "$cache/facades/.ganforge-fetched")"
run "$fetch" --sources "$good" all
if ((status == 0)) && [[ "$(requests)" == "$before" && "$(stat -c %Y.%i "$cache/facades/.ganforge-fetched")" == "$marker_before" ]] &&
  grep -q "facades: already in $cache/facades" <<<"$output"; then
  pass "a second fetch downloads nothing"
else
  fail "the second fetch (status $status) was not a no-op: $output"
fi

# ---- Failures, each in a fresh cache: one clear error, nothing installed.
fresh() {
  export GANFORGE_DATA_CACHE="$tmp/cache-$1"
  mkdir -p "$GANFORGE_DATA_CACHE"
}
expect_failure() {  # what, expected phrase, then the fetch-data.sh arguments
  local what="$1" phrase="$2"
  shift 2
  run "$fetch" "$@"
  if ((status != 0)) && grep -qF -- "$phrase" <<<"$output" && only_lock_in "$GANFORGE_DATA_CACHE"; then
    pass "$what: $(tail -n1 <<<"$output")"
  else
    fail "$what: expected a failure saying '$phrase' and an empty cache; got status $status: $output"
  fi
}

# 3. Wrong checksum: names the URL, the expected and the actual digest.
fresh checksum
wrong="$(printf '%064d' 0)"
table "$tmp/wrong.tsv" "facades $base/facades.tar.gz sha256:$wrong $(size "$www/facades.tar.gz") tar.gz facades"
expect_failure "wrong checksum" \
  "checksum mismatch for $base/facades.tar.gz: expected sha256 $wrong, actual sha256 $(sha "$www/facades.tar.gz")" \
  --sources "$tmp/wrong.tsv" facades
[[ "$(grep -c . <<<"$output")" -le 2 ]] || fail "wrong checksum: more than one error line: $output"

# 4. A 404 and a refused connection.
fresh missing
table "$tmp/missing.tsv" "facades $base/no-such-file.tar.gz sha256:$wrong - tar.gz facades"
expect_failure "404" "downloading $base/no-such-file.tar.gz failed: curl: (22) The requested URL returned error: 404" \
  --sources "$tmp/missing.tsv" facades
fresh refused
table "$tmp/refused.tsv" "facades http://127.0.0.1:$closed_port/facades.tar.gz sha256:$wrong - tar.gz facades"
expect_failure "connection refused" "downloading http://127.0.0.1:$closed_port/facades.tar.gz failed: curl: (7)" \
  --sources "$tmp/refused.tsv" facades

# 5. Members that escape the target folder, in a tar.gz and in a zip (checksums right).
fresh evil-tar
table "$tmp/evil-tar.tsv" "facades $base/evil.tar.gz sha256:$(sha "$www/evil.tar.gz") - tar.gz facades"
expect_failure "tar.gz with a ../ member" "refusing" --sources "$tmp/evil-tar.tsv" facades
grep -qF "facades/../../escaped" <<<"$output" || fail "the refusal does not name the member: $output"
fresh evil-zip
table "$tmp/evil-zip.tsv" "horse2zebra $base/evil.zip sha256:$(sha "$www/evil.zip") - zip horse2zebra"
expect_failure "zip with a ../ member" "horse2zebra/../../escaped" --sources "$tmp/evil-zip.tsv" horse2zebra

# 6. No pinned checksum: refused, then accepted with --insecure-no-checksum (size still checked).
fresh unpinned
table "$tmp/unpinned.tsv" "facades $base/facades.tar.gz - $(size "$www/facades.tar.gz") tar.gz facades"
expect_failure "no pinned checksum" "--insecure-no-checksum" --sources "$tmp/unpinned.tsv" facades
run "$fetch" --sources "$tmp/unpinned.tsv" --insecure-no-checksum facades
if ((status == 0)) && grep -q "NOT VERIFIED.*$(sha "$www/facades.tar.gz")" <<<"$output" &&
  grep -q "^verified	none" "$GANFORGE_DATA_CACHE/facades/.ganforge-fetched"; then
  pass "--insecure-no-checksum installs it, printing its sha256"
else
  fail "--insecure-no-checksum (status $status): $output"
fi
fresh too-big
table "$tmp/too-big.tsv" "facades $base/facades.tar.gz - 1000 tar.gz facades"
expect_failure "larger than the table's size" "larger than the cap of 1000 bytes" \
  --sources "$tmp/too-big.tsv" --insecure-no-checksum facades
fresh endless
table "$tmp/endless.tsv" "facades $base/endless - 100000 tar.gz facades"
expect_failure "a body of unannounced length past the cap" "larger than the cap of 100000 bytes" \
  --sources "$tmp/endless.tsv" --insecure-no-checksum facades

# 7. A folder this script did not install is left alone.
fresh foreign
mkdir -p "$GANFORGE_DATA_CACHE/facades/train"
touch "$GANFORGE_DATA_CACHE/facades/train/mine.jpg"
run "$fetch" --sources "$good" facades
if ((status != 0)) && grep -q "exists but has no .ganforge-fetched marker" <<<"$output" &&
  [[ -f "$GANFORGE_DATA_CACHE/facades/train/mine.jpg" ]]; then
  pass "a foreign folder in the cache is left alone"
else
  fail "foreign folder (status $status): $output"
fi

# 8. Bad tables name the file, the line and the expected form.
fresh bad-table
table "$tmp/bad.tsv" "facades ftp://example/facades.tar.gz - - tar.gz facades"
expect_failure "a bad URL in the table" "bad.tsv:2 (facades): the URL must start with http:// or https://" \
  --sources "$tmp/bad.tsv" facades

if ((failures)); then
  echo "test_fetch_data: $failures check(s) failed" >&2
  exit 1
fi
echo "test_fetch_data: all checks passed"
