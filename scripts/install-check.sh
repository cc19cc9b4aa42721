#!/usr/bin/env bash
# The field install of README.md ("Run a real agent on a Raspberry Pi"), end to end on this machine:
# pack the package, install the tarball without dev dependencies into a fresh prefix (as the README
# does into /usr/local), then run the installed commands only: tabla-fleet on loopback (free ports,
# a temporary data directory, Node-RED on), `tabla provision` of a stop display, tabla-agent with the
# written config, until `tabla devices --json` shows it online; Node-RED's editor at /red with
# Tabla's nodes, and the dashboard's script and charting library. Exit 0 only if all of that worked.
#
# Needs `npm ci` first (tsup builds in prepack; the install takes its packages from the npm cache
# that `npm ci` filled, else from the registry) and python3, make and g++ (better-sqlite3 compiles
# from source when no prebuilt binary can be downloaded: minutes on a small machine).
# Runs in CI after `npm test` (.ci/run). TABLA_INSTALL_CHECK_KEEP=1 keeps the temporary folder.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

step() { printf 'install-check [%4ss] %s\n' "$SECONDS" "$*"; }
# The exit code of a background process that has ended, in $reaped (not in a subshell: only this
# shell can wait for its children).
reap() { reaped=0; wait "$1" || reaped=$?; }
fail() { printf 'install-check [%4ss] FAILED: %s\n' "$SECONDS" "$*" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/tabla-install-check.XXXXXX")
fleet_pid=''
agent_pid=''

# Stops what is still running (the agent first, then the fleet), shows the logs if something failed.
stop_process() {
  local pid=$1 name=$2
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    echo "install-check: $name did not stop within 10 s of SIGTERM: killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}
on_exit() {
  local code=$?
  stop_process "$agent_pid" tabla-agent
  stop_process "$fleet_pid" tabla-fleet
  if [ "$code" -ne 0 ]; then
    for log in "$work"/install.log "$work"/fleet.log "$work"/agent.log; do
      [ -s "$log" ] || continue
      echo "---- last lines of $log" >&2
      tail -n 40 "$log" >&2
    done
  fi
  if [ "${TABLA_INSTALL_CHECK_KEEP:-}" = 1 ]; then
    echo "install-check: kept $work"
  else
    rm -rf "$work"
  fi
  exit "$code"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------------------------
step "node $(node --version), npm $(npm --version), in $work"
[ -e node_modules/tsup/package.json ] || fail 'no dev dependencies here: run `npm ci` first'
missing=()
for tool in python3 make g++; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
[ ${#missing[@]} -eq 0 ] || fail "better-sqlite3 compiles from source and needs: apt-get install ${missing[*]}"

# ---------------------------------------------------------------------------------------------
step 'pack: npm pack (prepack builds dist/ with tsup)'
npm pack --pack-destination "$work" --foreground-scripts >"$work/pack.log" 2>&1 || { cat "$work/pack.log" >&2; fail 'npm pack'; }
tarball=$(find "$work" -maxdepth 1 -name 'tabla-*.tgz' | head -n 1)
[ -n "$tarball" ] || fail "npm pack wrote no tarball into $work"
tar -tzf "$tarball" | sed 's|^package/||' | sort >"$work/contents.txt"
for need in package.json README.md dist/device/main.js dist/fleet/main.js dist/fleet/cli/main.js \
  dist/node-red/package.json dist/node-red/tabla.js dist/node-red/tabla.html scripts/deploy/tabla-agent.service scripts/deploy/tabla-fleet.service; do
  grep -qx "$need" "$work/contents.txt" || fail "$(basename "$tarball") lacks $need"
done
if grep -E '\.ts$|\.map$|^(test|protocols|hardware|device|fleet|node_modules)/' "$work/contents.txt"; then
  fail "$(basename "$tarball") holds sources, tests or maps (above): check \"files\" in package.json"
fi
step "packed $(basename "$tarball"): $(wc -l <"$work/contents.txt") files, $(du -k "$tarball" | cut -f1) KiB"

# ---------------------------------------------------------------------------------------------
prefix="$work/prefix"
step "install: npm install --global --prefix $prefix --omit=dev $(basename "$tarball") (better-sqlite3 may compile: minutes)"
started=$SECONDS
(cd "$work" && npm install --global --prefix "$prefix" --omit=dev --prefer-offline --no-audit --no-fund "$tarball") \
  >"$work/install.log" 2>&1 || fail 'npm install of the tarball'
step "installed in $((SECONDS - started)) s: $(grep -m 1 -E '^(added|changed|up to date)' "$work/install.log" || echo '(npm printed no summary)')"
installed="$prefix/lib/node_modules/tabla"
# A tarball carries no lockfile: the device resolves the ranges in package.json when it installs.
# Fail on a dev dependency installed or a production one missing; name the versions that differ
# from package-lock.json (what the tests ran with).
node - "$repo/package-lock.json" "$installed" <<'EOF' || fail 'dev dependencies installed, or production ones missing'
const fs = require('node:fs');
const path = require('node:path');
const [lockFile, installed] = process.argv.slice(2);
const lock = JSON.parse(fs.readFileSync(lockFile, 'utf8'));
const versionIn = (dir) => {
  const file = path.join(dir, 'package.json');
  return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')).version : null;
};
const root = lock.packages[''];
const problems = [];
for (const name of Object.keys(root.devDependencies ?? {})) {
  const devOnly = lock.packages[`node_modules/${name}`]?.dev; // not also needed by a production package
  if (devOnly && versionIn(path.join(installed, 'node_modules', name))) problems.push(`${name}: a dev dependency, installed`);
}
for (const name of Object.keys(root.dependencies ?? {})) {
  if (!versionIn(path.join(installed, 'node_modules', name))) problems.push(`${name}: a dependency, missing`);
}
let same = 0;
const differ = [];
for (const [where, entry] of Object.entries(lock.packages)) {
  if (where === '' || entry.dev || entry.optional || entry.devOptional) continue;
  const version = versionIn(path.join(installed, where));
  if (version === entry.version) same++;
  else differ.push(`${where.replace(/^node_modules\//, '')} ${version ?? '(elsewhere)'} (lock ${entry.version})`);
}
for (const p of problems) console.error(`  ${p}`);
if (problems.length) process.exit(1);
console.log(`install-check: no dev dependencies; ${same} packages as in package-lock.json` + (differ.length ? `, resolved otherwise at install: ${differ.join(', ')}` : ''));
EOF
export PATH="$prefix/bin:$PATH"
for bin in tabla tabla-fleet tabla-agent; do
  [ "$(command -v "$bin")" = "$prefix/bin/$bin" ] || fail "$bin is not on PATH from $prefix/bin"
done
step "tabla $(tabla --version), tabla-fleet and tabla-agent on PATH from $prefix/bin"

# ---------------------------------------------------------------------------------------------
export TABLA_DATA_DIR="$work/fleet"
step "fleet: tabla-fleet --data-dir $TABLA_DATA_DIR --http-port 0 --mqtt-port 0 --node-red (loopback, free ports)"
tabla-fleet --data-dir "$TABLA_DATA_DIR" --http-port 0 --mqtt-port 0 --node-red >"$work/fleet.log" 2>&1 &
fleet_pid=$!
deadline=$((SECONDS + 60))
until tabla devices --json >/dev/null 2>&1; do
  kill -0 "$fleet_pid" 2>/dev/null || { reap "$fleet_pid"; fail "tabla-fleet exited with code $reaped"; }
  [ "$SECONDS" -lt "$deadline" ] || fail 'tabla-fleet did not answer `tabla devices` within 60 s'
  sleep 0.5
done
step "fleet up: $(node -p 'const l = require(process.argv[1]); `${l.httpUrl}, broker ${l.mqttUrl}`' "$TABLA_DATA_DIR/fleet.json")"

# ---------------------------------------------------------------------------------------------
device=install-check-stop
mkdir -p "$work/device"
step "provision: tabla provision $device --role stop-display"
tabla provision "$device" --role stop-display --site install-check \
  --out "$work/device/agent.json" --data-dir-on-device "$work/device/state" | sed 's/^/    /' \
  || fail 'tabla provision'
[ "$(stat -c %a "$work/device/agent.json")" = 600 ] || fail 'the agent config is not mode 0600'

# ---------------------------------------------------------------------------------------------
step "agent: tabla-agent --config $work/device/agent.json"
tabla-agent --config "$work/device/agent.json" >"$work/agent.log" 2>&1 &
agent_pid=$!
deadline=$((SECONDS + 60))
presence=''
while :; do
  kill -0 "$agent_pid" 2>/dev/null || { reap "$agent_pid"; fail "tabla-agent exited with code $reaped"; }
  presence=$(tabla devices --json | node -e '
    let text = "";
    process.stdin.on("data", (c) => (text += c)).on("end", () => {
      const d = JSON.parse(text).find((x) => x.id === process.argv[1]);
      console.log(d ? d.presence : "absent");
    });' "$device") || presence='(tabla devices failed)'
  [ "$presence" = online ] && break
  [ "$SECONDS" -lt "$deadline" ] || fail "$device is $presence, not online, 60 s after the agent started"
  sleep 0.5
done
step "$device is online (tabla devices --json)"

# ---------------------------------------------------------------------------------------------
# What the fleet serves from the package beyond its own code: Node-RED's editor with Tabla's nodes
# (dist/node-red), the dashboard with uPlot (from node_modules).
step 'Node-RED editor at /red with Tabla nodes; the dashboard and its assets'
node - "$TABLA_DATA_DIR/fleet.json" <<'EOF' || fail 'Node-RED editor or dashboard assets from the installed package'
const local = require(process.argv[2]);
const auth = { authorization: `Bearer ${local.adminToken}` };
(async () => {
  const page = await fetch(`${local.httpUrl}/red/`, { headers: auth });
  if (page.status !== 200 || !(await page.text()).includes('Node-RED')) throw new Error(`GET /red/: ${page.status}`);
  const nodes = await fetch(`${local.httpUrl}/red/nodes`, { headers: { ...auth, accept: 'application/json' } });
  const types = (await nodes.json()).flatMap((s) => s.types);
  for (const t of ['tabla-arrivals', 'tabla-occupancy', 'tabla-device', 'tabla-message', 'tabla-command']) {
    if (!types.includes(t)) throw new Error(`Node-RED has no ${t} (types: ${types.length})`);
  }
  const html = await (await fetch(`${local.httpUrl}/dashboard`)).text();
  const assets = [...html.matchAll(/(?:src|href)="(\/dashboard\/[^"]+)"/g)].map((m) => m[1]);
  if (!assets.some((s) => s.includes('uplot'))) throw new Error('the dashboard page links no uPlot');
  for (const s of assets) {
    const r = await fetch(new URL(s, local.httpUrl));
    if (r.status !== 200) throw new Error(`${s}: ${r.status}`);
  }
  console.log(`install-check: /red lists Tabla's 5 nodes among ${types.length} types; the dashboard's ${assets.length} assets load`);
})().catch((err) => {
  console.error(`install-check: ${err.message}`);
  process.exit(1);
});
EOF

# ---------------------------------------------------------------------------------------------
step 'stop: the agent, then the fleet'
stop_process "$agent_pid" tabla-agent
agent_pid=''
stop_process "$fleet_pid" tabla-fleet
fleet_pid=''
step "passed in ${SECONDS} s"
