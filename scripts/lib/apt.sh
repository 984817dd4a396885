# Sourced by the install scripts: Debian packages through apt-get, as root or with sudo.
# apt_ready "<what to install yourself>": fails with that hint when apt-get is absent; sets SUDO (an array) and
# DEBIAN_FRONTEND. apt_install PACKAGE...: installs without recommended packages, quietly.

apt_ready() {
  if ! command -v apt-get > /dev/null; then
    echo "$1 is not installed and apt-get is not available: install it yourself." >&2
    exit 1
  fi
  SUDO=()
  if [[ "$(id -u)" -ne 0 ]]; then
    SUDO=(sudo)
  fi
  export DEBIAN_FRONTEND=noninteractive
}

apt_install() {
  "${SUDO[@]}" apt-get update -qq
  "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "$@" > /dev/null
}
