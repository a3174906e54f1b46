#!/bin/sh
# Install the Debian packages castor needs, only those missing.
#   install-deps.sh run   -- to build and run the server
#   install-deps.sh test  -- also what the tests and benchmarks use
#   install-deps.sh apps  -- also node and npm for make apps (tests/apps)
#   install-deps.sh conformance -- also tcl (and tcl-tls for its --tls mode)
#                            for Redis's own suite (make conformance)
# Uses apt-get as root; never touches anything but Debian's archive.
set -eu

BUILD_PKGS="gcc make pkg-config libjemalloc-dev libssl-dev liblzf-dev liblua5.1-0-dev liburing-dev"
TEST_PKGS="clang clang-format libclang-rt-14-dev redis-server redis-tools redis-sentinel python3-redis python3-pytest python3-hiredis procps openssl iproute2 nftables"

case "${1:-run}" in
run) want="$BUILD_PKGS" ;;
test) want="$BUILD_PKGS $TEST_PKGS" ;;
apps)
    want="$BUILD_PKGS $TEST_PKGS"
    # Debian's nodejs; its npm only when no npm came with another node build
    command -v node >/dev/null 2>&1 || want="$want nodejs"
    command -v npm >/dev/null 2>&1 || want="$want npm"
    ;;
conformance) want="$BUILD_PKGS $TEST_PKGS tcl tcl-tls" ;;
*) echo "usage: $0 run|test|apps|conformance" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
    echo "castor: missing Debian packages:$missing" >&2
    echo "castor: run as root, or: sudo apt-get install$missing" >&2
    exit 1
fi

echo "castor: installing$missing"
# Packaged servers (redis-server, redis-sentinel) must not start as services:
# tests start their own on free ports.
policy=/usr/sbin/policy-rc.d
made_policy=0
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy"
    chmod +x "$policy"
    made_policy=1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq || true
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
[ "$made_policy" = 1 ] && rm -f "$policy"
exit 0
