#!/usr/bin/env bash
# Installs the Debian packages SwiftCNN builds against (and the Fashion-MNIST dataset the
# tests learn on) when they are missing. Safe to run repeatedly: it does nothing when
# everything is present.
set -euo pipefail

# openmpi-bin and libopenmpi-dev: `mpirun`, and the libmpi.so.40 that a process started by
# it loads at run time for data-parallel training (SwiftCNN builds without them).
packages=(pkg-config libopenblas-dev zlib1g-dev libdeflate-dev libpng-dev libjpeg-dev libhdf5-dev libzip-dev dataset-fashion-mnist openmpi-bin libopenmpi-dev)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing Debian packages: ${missing[*]}" >&2
if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
elif command -v sudo >/dev/null; then
    sudo apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
    echo "error: please install: apt-get install ${missing[*]}" >&2
    exit 1
fi
