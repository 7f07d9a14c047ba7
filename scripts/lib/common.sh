# Shared helpers for the scripts in scripts/. Sourced, never run.
# shellcheck shell=bash

# The repository root, whatever the caller's working directory.
HYP_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HYP_CACHE="${HYP_ROOT}/.cache"

# Messages go to stderr so that a script's stdout stays usable.
hyp_log() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
hyp_die() { printf '%s: error: %s\n' "${0##*/}" "$*" >&2; exit 1; }

# Commands that need root: run directly as root, through sudo otherwise.
hyp_as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        hyp_die "need root for: $*"
    fi
}

# `apt-get update` at most once per script run.
HYP_APT_UPDATED=0
hyp_apt_update_once() {
    if [ "$HYP_APT_UPDATED" -eq 0 ]; then
        hyp_log "apt-get update"
        hyp_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
        HYP_APT_UPDATED=1
    fi
}

# Downloads Debian packages (e.g. "libfdt-dev:arm64") into directory $1.
# apt drops to the _apt user to download; a directory it can write to avoids the
# "Download is performed unsandboxed as root" warning.
hyp_apt_download() {
    local dir=$1
    shift
    mkdir -p "$dir"
    if [ "$(id -u)" -eq 0 ] && id _apt >/dev/null 2>&1; then
        chown _apt "$dir"
    fi
    (cd "$dir" && apt-get download -q "$@")
}

# The candidate version apt would install for a package, empty when apt knows none.
hyp_apt_candidate() {
    apt-cache policy "$1" 2>/dev/null | awk '/^  Candidate:/ { if ($2 != "(none)") print $2; exit }'
}

# Prints the comment block at the top of the calling script (its usage text).
hyp_usage() {
    awk 'NR == 1 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$0"
}

# The first 2 MiB-aligned address after an arm64 Image loaded at address $1 (hex or
# decimal), from file $2: past the file and past the header's image_size (the kernel's
# whole footprint, BSS included), e.g. for an initrd. Prints it in hex.
hyp_after_image() {
    local base=$1 file=$2 size image_size
    size=$(stat -c %s "$file")
    # image_size: little-endian 64-bit at offset 16; 0 in very old kernels.
    image_size=$((16#$(od -An -tx1 -j16 -N8 "$file" | awk '{ for (i = NF; i >= 1; i--) printf "%s", $i }')))
    [ "$image_size" -gt "$size" ] && size=$image_size
    printf '%#x\n' $(( (base + size + 0x1fffff) & ~0x1fffff ))
}

# Makes sure Debian's kernel (.cache/debian/Image) and the initramfs archives
# (.cache/initramfs/*.cpio.gz) are there and current: runs scripts/fetch-guest when one
# is missing or a source they are built from (tests/initramfs/, the modules in linux/ and
# the ABI headers in hyp_api/ they include, the VMM in vmm/) is newer than
# .cache/initramfs/.stamp, which fetch-guest touches when every archive is current.
# fetch-guest then rebuilds only what really changed.
hyp_ensure_guest() {
    local f dir stale=0 stamp="${HYP_CACHE}/initramfs/.stamp"
    for f in "${HYP_CACHE}/debian/Image" "$stamp" "${HYP_CACHE}/initramfs/"{shell,vm,check,boot}.cpio.gz; do
        [ -f "$f" ] || stale=1
    done
    for dir in tests/initramfs linux hyp_api vmm; do
        if [ "$stale" = 0 ] && [ -d "${HYP_ROOT}/${dir}" ] &&
           [ -n "$(find "${HYP_ROOT}/${dir}" -type f ! -name '*.md' ! -name '*.pyc' -newer "$stamp" -print -quit)" ]; then
            stale=1
        fi
    done
    if [ "$stale" = 1 ]; then
        hyp_log "fetching the guest kernel and building the initramfs (scripts/fetch-guest)"
        "${HYP_ROOT}/scripts/fetch-guest" >&2 || hyp_die "scripts/fetch-guest failed"
    fi
}
