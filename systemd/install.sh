#!/usr/bin/env bash
# Installs sculptd as a systemd service on this board, once: builds the daemon, installs the
# binary, the unit and a config, and enables and starts the service. Run from a clone, as root
# (or with sudo). Re-running upgrades the binary and the unit and keeps the config.
#
#   sudo systemd/install.sh            # listen on 127.0.0.1:7878 (default config)
#   sudo systemd/install.sh --network  # listen on 0.0.0.0:7878 with a generated bearer token
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/setup.sh

network=false
[ "${1:-}" = "--network" ] && network=true
[ "$(id -u)" -eq 0 ] || { echo "install.sh: run as root (sudo systemd/install.sh)" >&2; exit 1; }

ensure_debian_packages "${BUILD_PACKAGES[@]}"
# The Swift runtime linked in: the binary does not depend on the toolchain staying installed,
# and it starts with less resident memory (docs/benchmarks-daemon.md).
swift build -c release --static-swift-stdlib --product sculptd
install -D -m 0755 "$(swift build -c release --static-swift-stdlib --show-bin-path)/sculptd" /usr/local/bin/sculptd
install -D -m 0644 systemd/sculptd.service /etc/systemd/system/sculptd.service

install -d -m 0755 /etc/sculptd
if [ ! -f /etc/sculptd/config.json ]; then
    if $network; then
        # The token reaches the service through a credential (readable by its dynamic user only).
        umask 077
        head -c 32 /dev/urandom | base64 | tr -d '/+=' > /etc/sculptd/token
        printf '{"host": "0.0.0.0", "port": 7878}\n' > /etc/sculptd/config.json
        install -d -m 0755 /etc/systemd/system/sculptd.service.d
        printf '[Service]\nLoadCredential=token:/etc/sculptd/token\nEnvironment=SCULPTD_TOKEN_FILE=%%d/token\n' \
            > /etc/systemd/system/sculptd.service.d/token.conf
        echo "Bearer token (give it to clients with --token-file): /etc/sculptd/token" >&2
    else
        printf '{"host": "127.0.0.1", "port": 7878}\n' > /etc/sculptd/config.json
    fi
    chmod 0644 /etc/sculptd/config.json
fi

# OpenBLAS's core type, where this CPU needs one (see configure_openblas).
configure_openblas
if [ -n "${OPENBLAS_CORETYPE:-}" ]; then
    install -d -m 0755 /etc/systemd/system/sculptd.service.d
    printf '[Service]\nEnvironment=OPENBLAS_CORETYPE=%s\n' "$OPENBLAS_CORETYPE" > /etc/systemd/system/sculptd.service.d/openblas.conf
fi

systemctl daemon-reload
systemctl enable --now sculptd.service
systemctl restart sculptd.service
systemctl --no-pager status sculptd.service | head -n 5
