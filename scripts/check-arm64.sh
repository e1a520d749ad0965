#!/usr/bin/env bash
# Builds SculptKernels, its C shims and the kernel tests for aarch64 and runs the tests under
# emulation: the NEON code paths must compute what the references do. Nothing is timed there
# (emulated timings say nothing about a board).
#
# They build in a Debian 13 (trixie) arm64 root made with debootstrap and run through
# qemu-user-static, with trixie's Swift 6.0.3, OpenBLAS, Armadillo, g++ and pkg-config. The root
# is made once and kept outside the clone, in ARM64_ROOT (default /var/cache/edgesculpt/arm64-root),
# so later runs on the machine reuse it. Debian's Swift builds the kernel targets only (the other
# targets' dependencies declare tools 6.1 and later): with EDGESCULPT_KERNELS_ONLY set, the
# manifest declares those alone.
#
# Needs root (debootstrap, chroot, mounts). Arguments go to `swift test` (e.g. --filter GEMMTests).
# ARM64_CONFIGURATION=debug|release (default release: measured here, 26 min to build and run against 37 in debug,
# whose tests took 19 min under emulation).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/setup.sh

ROOT="${ARM64_ROOT:-/var/cache/edgesculpt/arm64-root}"
SUITE=trixie
ROOT_PACKAGES=(swiftlang libopenblas-dev libarmadillo-dev g++ pkg-config)
CONFIGURATION="${ARM64_CONFIGURATION:-release}"
# What the kernels-only build needs of the clone.
SOURCES=(Package.swift Sources/COpenBLAS Sources/CArmadillo Sources/CThreadAffinity Sources/CPrefetch
         Sources/SculptKernels Tests/SculptKernelsTests Tests/SculptTestNumerics)

fail() { echo "check-arm64: $*" >&2; exit 1; }
say() { echo "check-arm64: $*" >&2; }

[ "$(id -u)" -eq 0 ] || fail "run as root: debootstrap, chroot and the mounts need it"
case "$CONFIGURATION" in debug|release) ;; *) fail "ARM64_CONFIGURATION must be debug or release, not $CONFIGURATION" ;; esac

ensure_debian_packages debootstrap qemu-user-static

# Registers qemu-user-static's aarch64 interpreter where no init system did (a container without
# systemd): binfmt_misc mounted, then the entry the package ships. Its F flag has the kernel open
# the interpreter at registration, so it runs inside a chroot that has no copy of it.
ensure_binfmt() {
    local binfmt=/proc/sys/fs/binfmt_misc entry=/proc/sys/fs/binfmt_misc/qemu-aarch64
    local conf=/usr/lib/binfmt.d/qemu-aarch64.conf
    if [ ! -e "$entry" ]; then
        [ -e "$binfmt/register" ] || mount -t binfmt_misc binfmt_misc "$binfmt" \
            || fail "cannot mount binfmt_misc on $binfmt: the kernel or the sandbox does not allow it"
        [ -f "$conf" ] || fail "$conf is missing: is qemu-user-static installed?"
        grep -v '^#' "$conf" > "$binfmt/register" || fail "the kernel refused the binfmt entry in $conf"
    fi
    grep -q '^enabled' "$entry" || fail "the binfmt entry $entry is disabled"
    grep -q '^flags:.*F' "$entry" || fail "the binfmt entry $entry lacks the F flag: the chroot cannot reach its interpreter"
}

# Runs a command inside root $1 with /proc and /dev mounted, in a mount namespace of its own:
# the mounts end with the command, whatever happens to it, and concurrent runs do not share them.
in_root() {
    local root="$1"; shift
    unshare --mount --propagation private -- /bin/bash -euc '
        root="$1"; shift
        mount -t proc proc "$root/proc"
        mount --rbind /dev "$root/dev"
        exec chroot "$root" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
            HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive OPENBLAS_NUM_THREADS=1 "$@"
    ' in_root "$root" "$@"
}

# What a complete root records, so a root made for another list of packages is made anew.
stamp() { printf '%s\n' "$SUITE" "${ROOT_PACKAGES[@]}"; }

# Makes the root in ROOT.tmp and renames it into place once it is complete, so a run that dies
# half-way never leaves a root that a later run would take for a finished one.
make_root() {
    local tmp="$ROOT.tmp" log="$ROOT.log"
    # --one-file-system: never descend into a mount that a killed run left behind.
    rm -rf --one-file-system "$tmp"
    say "making the arm64 $SUITE root in $ROOT (log: $log)"
    # debootstrap mounts /proc and /sys in the target; in a namespace of its own, they go with it.
    # ARM64_MIRROR: a Debian mirror, if not debootstrap's default.
    if ! unshare --mount --propagation private -- \
        debootstrap --arch=arm64 --variant=minbase "$SUITE" "$tmp" ${ARM64_MIRROR:+"$ARM64_MIRROR"} > "$log" 2>&1; then
        tail -n 30 "$log" >&2
        fail "debootstrap failed (whole log in $log)"
    fi
    cp /etc/resolv.conf "$tmp/etc/resolv.conf"
    if ! { in_root "$tmp" apt-get update -q && in_root "$tmp" apt-get install -y -q --no-install-recommends "${ROOT_PACKAGES[@]}" \
           && in_root "$tmp" apt-get clean; } >> "$log" 2>&1; then
        tail -n 30 "$log" >&2
        fail "installing ${ROOT_PACKAGES[*]} in the root failed (whole log in $log)"
    fi
    in_root "$tmp" swift --version >&2 || fail "the root's swift does not run under emulation"
    stamp > "$tmp/etc/edgesculpt-root"
    if [ -d "$ROOT" ]; then
        rm -rf --one-file-system "$ROOT.old"
        mv "$ROOT" "$ROOT.old"
    fi
    mv "$tmp" "$ROOT"
    rm -rf --one-file-system "$ROOT.old"
}

ensure_binfmt
mkdir -p "$(dirname "$ROOT")"
# One run makes the root while the others wait; runs that build share it (a shared lock), and a
# run that has to make it anew waits for them.
exec 9>> "$ROOT.lock"
flock -x 9
started=$SECONDS
if [ "$(cat "$ROOT/etc/edgesculpt-root" 2>/dev/null)" != "$(stamp)" ]; then
    make_root
    say "root made in $(( (SECONDS - started) / 60 )) min $(( (SECONDS - started) % 60 )) s"
else
    say "reusing the arm64 root in $ROOT"
fi
flock -s 9

# A copy of what the build needs, inside the root, removed at the end.
work="$(mktemp -d "$ROOT/tmp/edgesculpt.XXXXXX")"
trap 'rm -rf --one-file-system "$work"' EXIT
tar -c "${SOURCES[@]}" | tar -x -C "$work"
built=$SECONDS
say "building and running the kernel tests for aarch64 ($CONFIGURATION), under emulation"
set +e
in_root "$ROOT" /usr/bin/env EDGESCULPT_KERNELS_ONLY=1 swift test --package-path "/tmp/${work##*/}" \
    -c "$CONFIGURATION" -Xswiftc -enable-testing "$@"
status=$?
set -e
say "build and tests took $(( (SECONDS - built) / 60 )) min $(( (SECONDS - built) % 60 )) s"
[ $status -eq 0 ] || fail "the aarch64 kernel tests failed (swift test exited $status)"
