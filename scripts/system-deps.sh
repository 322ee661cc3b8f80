#!/usr/bin/env bash
# Debian packages emr-desktop needs beyond Python 3.11: venv support and Qt's runtime libraries.
# As root it installs what is missing; otherwise it prints the command to run and carries on.
set -euo pipefail
want=(libegl1 libgl1 libxkbcommon0 libfontconfig1 libfreetype6 libglib2.0-0 libdbus-1-3
      libxcb-cursor0 libxkbcommon-x11-0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0)
py="${PYTHON:-python3.11}"
if ! "$py" -c 'import ensurepip, venv' >/dev/null 2>&1; then want+=(python3.11-venv); fi
command -v dpkg-query >/dev/null 2>&1 || exit 0   # not Debian: nothing to do here
missing=()
for pkg in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "emr-desktop needs these Debian packages: sudo apt-get install ${missing[*]}" >&2
fi
