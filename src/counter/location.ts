/**
 * Where the local store lives. WATCHDOG_DIR overrides it for every command; otherwise the
 * user's data directory: $XDG_DATA_HOME/watchdog, ~/.local/share/watchdog on Linux,
 * ~/Library/Application Support/watchdog on macOS, %LOCALAPPDATA%\watchdog on Windows.
 */
import { join } from 'node:path';

/** $HOME, else the password database's entry (node:os is loaded only then: it costs every run 0.3 ms). */
function homedir(): string {
  return process.env.HOME || (require('node:os') as typeof import('node:os')).homedir();
}

export function storeDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.WATCHDOG_DIR) return env.WATCHDOG_DIR;
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'watchdog');
  if (process.platform === 'win32') return join(env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'), 'watchdog');
  const xdg = env.XDG_DATA_HOME;
  // XDG says a relative XDG_DATA_HOME is invalid and must be ignored.
  return join(xdg && xdg.startsWith('/') ? xdg : join(homedir(), '.local', 'share'), 'watchdog');
}
