/** The help texts: one per command, printed by `--help`. Kept here so every command reads the same. */
export const MAIN_USAGE = `watchdog: local, private crash counters for any command-line tool

Usage:
  watchdog [options] -- <command> [args...]   run a command and count its crashes
  watchdog stacks [--program NAME] [--since WHEN] [--all | --limit N] [--json]
                                              recorded crash stacks, most frequent first
  watchdog counters [--program NAME] [--since WHEN] [--all | --limit N] [--json]
                                              every counter, stack counters included
  watchdog dump [--json]                      the store as it is on disk
  watchdog env [--json]                       where the store is and which files exist
  watchdog test [DIR] [--update] [--json]     run crash fixtures and compare with golden files

Run options:
  --program NAME[@VERSION]   count crashes under this program (default: the package.json
                             nearest a Node entry script, else the command's name @devel)
  --capture-stderr           for programs that cannot use the crash channel: pass stderr
                             through a pipe (it is then not a terminal) and, after an
                             abnormal exit, look for a Go, Python, Rust or Node crash in
                             its last 256 KiB
  -h, --help                 this help
  -V, --version              the watchdog's version

The command runs exactly as it would without the watchdog: same terminal, environment, exit
status and signals. It gets a crash channel on fd 3 (WATCHDOG_CRASH_FD=3); Node programs use it
through a preload added to NODE_OPTIONS. Only function names and line offsets are recorded,
never messages, arguments or paths outside the program.

Store: $WATCHDOG_DIR, else $XDG_DATA_HOME/watchdog (~/.local/share/watchdog).`;
