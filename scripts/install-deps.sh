#!/usr/bin/env bash
# install-deps.sh: install the Debian packages duban builds and tests with,
# only those missing. Run by scripts/demo.sh and scripts/test.sh; safe to run
# again. Uses sudo when not run as root.
set -euo pipefail

packages=(
  build-essential cmake pkg-config git
  protobuf-c-compiler libprotobuf-c-dev   # the wire protocol, compiled at build time
  libzmq3-dev libczmq-dev                 # transport with CURVE; zcert/zcertstore for keys
  liblmdb-dev lmdb-utils                  # the event log
  libsodium-dev                           # BLAKE2b hash chain, random request ids
  libcjson-dev                            # plan JSON and --json output
  libcmocka-dev                           # unit tests
  jq                                      # integration tests read --json output
  iproute2 procps                         # fault tests: network namespaces, process checks
  clang clang-format                      # libFuzzer targets; the format check
  libmicrohttpd-dev                       # the web desk and board (HTTP, HTTPS through GnuTLS)
  libcurl4-openssl-dev                    # notifications: DingTalk, WeCom and JSON webhooks over HTTPS
  libxlsxwriter-dev                       # the Excel export of tasks, figures, colours and scores
  openssl                                 # test certificates for HTTPS (console, notification receiver)
  curl                                    # integration tests of the web console
  chromium chromium-driver python3-selenium  # browser tests, headless
  python3-openpyxl                        # browser tests read the exported workbook back
  fonts-wqy-microhei                      # a CJK font, so screenshots show readable Chinese
  libzip-dev libxml2-dev                  # plan import of .docx (a zip of XML)
  poppler-utils                           # plan import of PDF, best effort, through pdftotext -layout
  python3-docx                            # tests build .docx fixtures from real documents' tables
  etcd-server etcd-client                 # replicated brokers: the consensus log
  prometheus                              # promtool checks the metrics endpoints' text format
  redis-server redis-tools                # benchmark only: the peer duban's ingest is compared with
  dpkg-dev fakeroot file                  # CPack builds the .deb packages; tests unpack them
  systemd                                 # systemd-analyze verify checks the units
  libssl-dev                              # the SM3/SM2 (国密) crypto profile, through OpenSSL 3
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
echo "installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get install -y -q "${missing[@]}" >/dev/null 2>&1 || {
  $SUDO apt-get update -q >/dev/null
  $SUDO apt-get install -y -q "${missing[@]}" >/dev/null
}
