#!/bin/sh
# Install the media engine: Debian's ffmpeg package (ffmpeg + ffprobe, libx264, AAC, Opus, MP3).
# Idempotent: does nothing when both binaries are already on PATH.
# Chosen over the imageio-ffmpeg wheel (no ffprobe) and PyAV (about 2x slower than the CLI
# for video here); installing takes about 14 s on the development machines.
set -eu

if command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1; then
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-ffmpeg: ffmpeg/ffprobe are missing and apt-get is not available;" >&2
    echo "install them with your system's package manager (they must be on PATH)." >&2
    exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends ffmpeg >/dev/null
command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null
