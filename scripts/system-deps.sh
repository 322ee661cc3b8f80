#!/usr/bin/env bash
# Debian packages emr-desktop needs beyond Python 3.11: venv support, Qt's runtime libraries, the
# PostgreSQL server binaries (the hub's tests start throwaway clusters with initdb/pg_ctl) and CUPS
# with the cups-pdf printer driver (printing goes through CUPS' lp; a test prints to a PDF queue).
# As root it installs what is missing; otherwise it prints the command to run and carries on.
set -euo pipefail
want=(libegl1 libgl1 libxkbcommon0 libfontconfig1 libfreetype6 libglib2.0-0 libdbus-1-3
      libxcb-cursor0 libxkbcommon-x11-0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0
      cups printer-driver-cups-pdf)
py="${PYTHON:-python3.11}"
if ! "$py" -c 'import ensurepip, venv' >/dev/null 2>&1; then want+=(python3.11-venv); fi
command -v dpkg-query >/dev/null 2>&1 || exit 0   # not Debian: nothing to do here
missing=()
for pkg in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
# PostgreSQL: judged by the binaries the tests use, whatever package brought them.
have_pg() { compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; }
need_pg=0
have_pg || need_pg=1
[ ${#missing[@]} -eq 0 ] && [ "$need_pg" -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  [ ${#missing[@]} -eq 0 ] || echo "emr-desktop needs these Debian packages: sudo apt-get install ${missing[*]}" >&2
  [ "$need_pg" -eq 0 ] || echo "emr-desktop's tests need PostgreSQL: sudo apt-get install postgresql" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
if [ ${#missing[@]} -gt 0 ]; then
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ "$need_pg" -eq 1 ]; then
  # Tests run their own clusters: keep the package from creating and starting a system cluster
  # (the same trick as the official postgres Docker image).
  apt-get install -y -qq --no-install-recommends postgresql-common >/dev/null
  sed -ri 's/^#?\s*(create_main_cluster)\s*=.*$/\1 = false/' /etc/postgresql-common/createcluster.conf
  apt-get install -y -qq --no-install-recommends postgresql >/dev/null
  if ! have_pg; then
    echo "ERROR: installed Debian's postgresql package but /usr/lib/postgresql/*/bin/initdb is missing" >&2
    exit 1
  fi
fi
