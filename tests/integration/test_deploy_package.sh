# The Debian packages: cpack builds them from this build tree; unpacked with
# dpkg-deb -x into a scratch root they hold the programs, units, config
# examples and docs in their FHS places; the unpacked programs run; the
# maintainer scripts make the duban user, /var/lib/duban and the daemons'
# folders, and purge removes what they made (run with DPKG_ROOT pointing at
# the scratch root and the user tools replaced by recorders, so that this
# machine's users are untouched); the units pass systemd-analyze verify.
. "$(dirname "$0")/lib.sh"
BUILD=$(cd "$BIN/.." && pwd)
for tool in cpack dpkg-deb systemd-analyze; do
  command -v "$tool" >/dev/null || { echo "skip: $tool is not installed"; exit 77; }
done
[ -f "$BUILD/CPackConfig.cmake" ] || fail "no CPackConfig.cmake in $BUILD"
version=$(sed -n 's/^project(duban VERSION \([0-9.]*\).*/\1/p' "$SRC/CMakeLists.txt")

mkdir -p "$T/control"
(cd "$BUILD" && cpack -G DEB -B "$T/pkg") >"$T/cpack.log" 2>&1 || fail "cpack: $(tail -5 "$T/cpack.log")"
for p in duban duban-broker duban-agent duban-console; do
  deb=$T/pkg/${p}_${version}_amd64.deb
  [ -f "$deb" ] || fail "no package $p (made: $(ls "$T/pkg"))"
  dpkg-deb -I "$deb" >"$T/$p.info"
  grep -q "^ Package: $p$" "$T/$p.info" || fail "$p: wrong name"
  grep -q "^ Version: $version$" "$T/$p.info" || fail "$p: wrong version"
  dpkg-deb -x "$deb" "$T/root"
  dpkg-deb -e "$deb" "$T/control/$p"
  if dpkg-deb -c "$deb" | has "usr/local"; then fail "$p installs under /usr/local"; fi
done
pass "cpack made four packages of version $version"

# Each daemon package needs the duban package and the libraries it links.
for p in duban-broker duban-agent duban-console; do
  grep -q "Depends:.*duban (= $version)" "$T/$p.info" || fail "$p does not depend on duban $version"
done
grep -q "Depends:.*libzmq5" "$T/duban-broker.info" || fail "duban-broker does not depend on libzmq5"
grep -q "Depends:.*adduser" "$T/duban.info" || fail "duban does not depend on adduser"

R=$T/root
for f in usr/bin/duban usr/bin/duban-broker usr/bin/duban-agent usr/bin/duban-console usr/bin/duban-notify; do
  [ -x "$R/$f" ] || fail "missing program /$f"
done
for f in etc/duban/broker.conf etc/duban/agent.conf.example etc/duban/console.env \
  usr/lib/systemd/system/duban-broker.service usr/lib/systemd/system/duban-agent@.service \
  usr/lib/systemd/system/duban-console.service usr/share/man/man1/duban.1.gz usr/share/man/man8/duban-broker.8.gz usr/share/man/man8/duban-agent.8.gz \
  usr/share/doc/duban/examples/scoring/2023.rules usr/share/doc/duban/examples/plans/ordos-2023-58.txt \
  usr/share/doc/duban/deploy.md usr/share/doc/duban/alerts.yml; do
  [ -f "$R/$f" ] || fail "missing /$f"
done
[ ! -e "$R/usr/bin/duban-bench" ] || fail "the benchmark is shipped"
zcat "$R/usr/share/man/man8/duban-broker.8.gz" | has "duban $version" || fail "the broker's man page lacks the version"
if command -v groff >/dev/null; then
  for page in "$R"/usr/share/man/man*/*.gz; do
    man_out=$(zcat "$page" | groff -k -man -Tutf8 -ww 2>&1 >/dev/null || true)
    [ -z "$man_out" ] || fail "$page does not format cleanly: $man_out"
  done
fi
grep -qx /etc/duban/broker.conf "$T/control/duban-broker/conffiles" || fail "broker.conf is not a conffile"
grep -qx /etc/duban/console.env "$T/control/duban-console/conffiles" || fail "console.env is not a conffile"
for s in duban/postinst duban/postrm duban-broker/postinst duban-broker/prerm duban-broker/postrm; do
  [ -x "$T/control/$s" ] || fail "no maintainer script $s"
  sh -n "$T/control/$s" || fail "$s is not valid sh"
done
pass "programs in /usr/bin, config examples in /etc/duban, units, man pages, examples and docs in place"

out=$("$R/usr/bin/duban-broker" --version) || fail "the unpacked broker does not run"
protocol=$(sed -n 's/^#define DBN_PROTOCOL_VERSION \([0-9]*\)u$/\1/p' "$SRC/proto/wire.h")
format=$(sed -n 's/^#define DBN_LOG_FORMAT_VERSION \([0-9]*\)$/\1/p' "$SRC/store/store.h")
[ "$out" = "duban-broker $version（协议版本 $protocol，日志格式版本 $format）" ] || fail "unpacked broker --version: $out"
# The unpacked broker on the unpacked broker.conf, asked by the unpacked CLI.
make_keys
sed -e "s|^endpoint = .*|endpoint = $ENDPOINT|" -e "s|^data = .*|data = $T/data|" -e "s|^keys = .*|keys = $T/keys|" \
  "$R/etc/duban/broker.conf" >"$T/broker.conf"
"$R/usr/bin/duban-broker" --config "$T/broker.conf" >>"$T/broker.log" 2>&1 &
BROKER_PID=$!
PIDS+=("$BROKER_PID")
ok=0
for i in $(seq 1 100); do
  if "$R/usr/bin/duban" ping --broker "$ENDPOINT" --server-key "$T/keys/broker.key" --key "$(key_of admin:admin)" \
    --timeout 300 >/dev/null 2>&1; then ok=1; break; fi
  kill -0 "$BROKER_PID" 2>/dev/null || break
  sleep 0.1
done
[ "$ok" = 1 ] || fail "the unpacked broker on its shipped config does not answer"
# The unpacked board on the shipped console.env, split into words as systemd does.
printf '%s\n' 'board-password-1' | "$R/usr/bin/duban" user add --users "$T/console.users" 王协调 --role coordinator \
  --password-stdin >/dev/null || fail "user add"
web_port=$(free_port)
sed -e "s|tcp://127.0.0.1:7700|$ENDPOINT|" -e "s|/etc/duban/keys|$T/keys|" -e "s|/var/lib/duban/console.users|$T/console.users|" \
  -e "s|/var/lib/duban/console|$T/console|" -e "s|127.0.0.1:8080|127.0.0.1:$web_port|" "$R/etc/duban/console.env" >"$T/console.env"
(
  . "$T/console.env"
  # shellcheck disable=SC2086 # split like systemd's $DUBAN_CONSOLE_ARGS
  exec "$R/usr/bin/duban-console" $DUBAN_CONSOLE_ARGS
) >>"$T/console.log" 2>&1 &
CONSOLE_PID=$!
PIDS+=("$CONSOLE_PID")
for i in $(seq 1 100); do
  grep -q "看板 http" "$T/console.log" && break
  kill -0 "$CONSOLE_PID" 2>/dev/null || fail "the board refused the shipped console.env: $(tail -3 "$T/console.log")"
  sleep 0.1
done
curl -fsS -o /dev/null "http://127.0.0.1:$web_port/" || fail "the board on console.env does not serve"

# The demo's core steps with the unpacked programs: the plan loaded, a
# department's agent on the shipped agent.conf (its metrics on), a claim and
# a report through it, the audit report and a hot backup that verifies.
DUBAN_CLI=$R/usr/bin/duban
"$DUBAN_CLI" plan load "$PLAN_JSON" --broker "$ENDPOINT" --server-key "$T/keys/broker.key" \
  --key "$(key_of admin:admin)" >/dev/null || fail "the unpacked CLI cannot load the plan"
metrics_port=$(free_port)
sed -e "s|^broker = .*|broker = $ENDPOINT|" -e "s|^server-key = .*|server-key = $T/keys/broker.key|" \
  -e "s|^key = .*|key = $(key_of unit:LCJ)|" -e "s|^listen = .*|listen = ipc://$T/agent-LCJ.sock|" \
  -e "s|^data = .*|data = $T/agent-LCJ|" -e "s|^#metrics = .*|metrics = 127.0.0.1:$metrics_port|" \
  "$R/etc/duban/agent.conf.example" >"$T/agent.conf"
"$R/usr/bin/duban-agent" --config "$T/agent.conf" >>"$T/agent-LCJ.log" 2>&1 &
AGENT_PID=$!
PIDS+=("$AGENT_PID")
for i in $(seq 1 100); do [ -S "$T/agent-LCJ.sock" ] && break; sleep 0.1; done
[ -S "$T/agent-LCJ.sock" ] || fail "the unpacked agent on its shipped agent.conf does not listen: $(tail -3 "$T/agent-LCJ.log")"
"$DUBAN_CLI" claim demo-2023-1:1.1.1 --agent "ipc://$T/agent-LCJ.sock" >/dev/null || fail "claim through the unpacked agent"
"$DUBAN_CLI" progress demo-2023-1:1.1.1 --percent 40 --note '已完成造林规划' --agent "ipc://$T/agent-LCJ.sock" \
  >/dev/null || fail "progress through the unpacked agent"
grep -q '^metrics' "$T/agent.conf" || fail "the shipped agent.conf has no metrics line to turn on"
curl -fsS "http://127.0.0.1:$metrics_port/metrics" | has 'duban_agent_outbox' ||
  fail "the unpacked agent does not serve its metrics"
"$DUBAN_CLI" admin backup --data "$T/data" --to "$T/backup" >"$T/backup.out" || fail "backup with the unpacked CLI"
"$DUBAN_CLI" audit verify --data "$T/backup" | has '^OK' || fail "the unpacked CLI's backup does not verify"
"$DUBAN_CLI" audit report --data "$T/backup" | has '市林业和草原局' || fail "no audit report from the backup"
stop_cleanly "$AGENT_PID" "the agent"
stop_cleanly "$CONSOLE_PID" "the board"
stop_cleanly "$BROKER_PID" "the broker"
pass "the unpacked broker, board and agent run on the shipped configs (the agent's metrics on), carry a claim and a report, back up, verify and report, and exit 0 on SIGTERM"

# ---- maintainer scripts, against the scratch root ----
mkdir -p "$T/stub"
for tool in adduser deluser delgroup chown systemctl; do
  printf '#!/bin/sh\necho "%s $*" >>"%s/calls"\n' "$tool" "$T" >"$T/stub/$tool"
done
# getent: the duban user exists once adduser was called and until deluser was.
cat >"$T/stub/getent" <<STUB
#!/bin/sh
[ -f "$T/calls" ] || exit 2
last=\$(grep -E '^(adduser|deluser)' "$T/calls" | tail -n 1)
case "\$last" in adduser*) exit 0 ;; *) exit 2 ;; esac
STUB
chmod +x "$T/stub/"*
run_script() { env PATH="$T/stub:$PATH" DPKG_ROOT="$R" sh "$T/control/$1" "$2" >>"$T/scripts.log" 2>&1 || fail "$1 $2 failed"; }
run_script duban/postinst configure
grep -q "^adduser --system --group --home /var/lib/duban .*duban$" "$T/calls" || fail "no system user made: $(cat "$T/calls")"
[ -d "$R/var/lib/duban" ] && [ "$(stat -c %a "$R/var/lib/duban")" = 750 ] || fail "/var/lib/duban not made 0750"
grep -q "^chown duban:duban $R/var/lib/duban$" "$T/calls" || fail "/var/lib/duban not given to duban"
[ "$(stat -c %a "$R/etc/duban/keys")" = 700 ] || fail "/etc/duban/keys not made 0700"
run_script duban/postinst configure # again: an upgrade makes nothing twice
[ "$(grep -c '^adduser' "$T/calls")" = 1 ] || fail "a second configure made the user again"
run_script duban-broker/postinst configure
run_script duban-console/postinst configure
run_script duban-agent/postinst configure
[ -d "$R/var/lib/duban/broker" ] && [ "$(stat -c %a "$R/var/lib/duban/broker")" = 700 ] || fail "no broker folder"
[ -d "$R/var/lib/duban/backups" ] || fail "no backups folder"
[ -d "$R/var/lib/duban/console" ] && [ -d "$R/var/lib/duban/notify" ] || fail "no console folders"
grep -q "^chown duban:duban $R/var/lib/duban/broker$" "$T/calls" || fail "the broker folder is not duban's"
pass "postinst makes the duban user once, /var/lib/duban 0750, /etc/duban/keys 0700 and the daemons' folders"

mkdir -p "$R/var/lib/duban/agent-A1" && echo x >"$R/var/lib/duban/broker/data.mdb"
run_script duban-broker/prerm remove
run_script duban-broker/postrm remove
[ -f "$R/var/lib/duban/broker/data.mdb" ] || fail "remove (not purge) deleted the log"
run_script duban-broker/postrm purge
[ ! -e "$R/var/lib/duban/broker" ] && [ ! -e "$R/var/lib/duban/backups" ] || fail "purging duban-broker left its log"
run_script duban/postrm purge # the console's and an agent's folders are still there
[ -d "$R/var/lib/duban/console" ] || fail "purging duban deleted another package's data"
if grep -q "^deluser" "$T/calls"; then fail "the user was removed while its data remains"; fi
run_script duban-console/postrm purge
run_script duban-agent/postrm purge
run_script duban/postrm purge
[ ! -e "$R/var/lib/duban" ] || fail "purge left /var/lib/duban: $(ls -R "$R/var/lib/duban")"
[ ! -e "$R/etc/duban/keys" ] || fail "purge left /etc/duban/keys"
grep -q "^deluser --system --quiet duban$" "$T/calls" || fail "purge did not remove the duban user"
pass "purge removes each package's folders, then the keys, /var/lib/duban and the user; remove keeps the data"

# ---- the units ----
mkdir -p "$T/units"
for u in duban-broker.service duban-agent@.service duban-console.service; do
  grep -q "^User=duban$" "$R/usr/lib/systemd/system/$u" || fail "$u does not run as duban"
  for line in NoNewPrivileges=yes ProtectSystem=strict ReadWritePaths=/var/lib/duban PrivateTmp=yes \
    CapabilityBoundingSet= Restart=on-failure Type=simple; do
    grep -qx "$line" "$R/usr/lib/systemd/system/$u" || fail "$u lacks $line"
  done
  # The same unit with ExecStart (and EnvironmentFile) at the unpacked paths.
  sed -e "s|/usr/bin/|$R/usr/bin/|" -e "s|EnvironmentFile=/etc/|EnvironmentFile=$R/etc/|" \
    "$R/usr/lib/systemd/system/$u" >"$T/units/$u"
done
verify() {
  local out
  out=$(cd "$T/units" && systemd-analyze verify --man=no "$@" 2>&1) || {
    echo "$out" | has -i -e "system has not been booted" -e "Failed to connect to bus" -e "Operation not permitted" &&
      { echo "skip: systemd-analyze cannot run here: $out"; exit 77; }
    fail "systemd-analyze verify $*: $out"
  }
  [ -z "$out" ] || fail "systemd-analyze verify $* warns: $out"
}
verify "$T/units/duban-broker.service" "$T/units/duban-console.service" "$T/units/duban-agent@A1.service"
# The backup service and its timer, with the programs at the unpacked paths.
sed -e "s|/usr/bin/duban |$R/usr/bin/duban |" "$R/usr/lib/systemd/system/duban-backup.service" >"$T/units/duban-backup.service"
cp "$R/usr/lib/systemd/system/duban-backup.timer" "$T/units/"
grep -qx "User=duban" "$T/units/duban-backup.service" || fail "the backup does not run as duban"
verify "$T/units/duban-backup.service" "$T/units/duban-backup.timer"
# ...and verify does catch a broken unit, so the check above means something.
sed 's/^Restart=on-failure/Restart=sometimes/' "$T/units/duban-broker.service" >"$T/units/broken.service"
out=$(cd "$T/units" && systemd-analyze verify --man=no "$T/units/broken.service" 2>&1 || true)
echo "$out" | has "restart specifier" || fail "systemd-analyze verify did not catch a broken unit: $out"
pass "the three units pass systemd-analyze verify (which catches a broken one)"
