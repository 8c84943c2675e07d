// Part of `npm test`: the Go crash fixture is built with the machine's Go. Debian's golang-go is
// installed when Go is missing and this runs as root with apt-get (as on CI's fresh machines);
// anywhere else the Go fixtures are skipped by `watchdog test`, which says why.
import { spawnSync } from 'node:child_process';

const has = (tool, args) => spawnSync(tool, args, { stdio: 'ignore' }).status === 0;

if (!has('go', ['version'])) {
  if (process.getuid?.() === 0 && has('apt-get', ['--version'])) {
    console.log('ensure-toolchains: installing Go from Debian packages (golang-go) for the Go crash fixture');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    const install = spawnSync('apt-get', ['install', '-y', '-qq', 'golang-go'], { stdio: 'inherit', env });
    if (install.status !== 0) console.log('ensure-toolchains: could not install golang-go; Go fixtures will be skipped');
  } else {
    console.log('ensure-toolchains: no Go on PATH; Go fixtures will be skipped');
  }
}
