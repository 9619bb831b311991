// Makes sure Debian's Chromium is there for the browser tests. As root it installs it with apt
// (about 25 s); otherwise it says exactly what to install. Never downloads a browser of its own.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const CHROMIUM = process.env.COTK_CHROMIUM ?? '/usr/bin/chromium';

/** @param {string} cmd @param {string[]} args */
function run(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return r.status === 0;
}

export function ensureChromium() {
  if (existsSync(CHROMIUM)) return true;
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!root) {
    console.error(`ensure-chromium: ${CHROMIUM} is missing. Install Debian's Chromium and run again:\n  sudo apt-get update && sudo apt-get install -y --no-install-recommends chromium`);
    return false;
  }
  console.log('ensure-chromium: installing Debian chromium (apt-get) for the browser tests…');
  const ok = run('apt-get', ['update', '-qq']) && run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium']);
  if (!ok || !existsSync(CHROMIUM)) {
    console.error('ensure-chromium: apt-get could not install chromium; see the output above.');
    return false;
  }
  return true;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exit(ensureChromium() ? 0 : 1);
