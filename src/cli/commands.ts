/**
 * The inspection commands, bundled apart from the run path (dist/commands.cjs) so that running a
 * wrapped tool never loads them. Each returns its exit status: 0, 1 for a failed check, 2 for a
 * usage error.
 */
import { counters } from './counters.js';
import { dump } from './dump.js';
import { env } from './env.js';
import { UsageError } from './options.js';
import { stacks } from './stacks.js';
import { MAIN_USAGE } from './usage.js';
import { messageOf, warn } from '../run/warn.js';

export async function runCommand(command: string, argv: readonly string[]): Promise<number> {
  try {
    switch (command) {
      case 'stacks':
        return stacks(argv);
      case 'counters':
        return counters(argv);
      case 'dump':
        return dump(argv);
      case 'env':
        return env(argv);
      case 'test':
        // A bundle of its own: it carries execa, which the listing commands should not load.
        return await (require(`${__dirname}/test-command.cjs`) as typeof import('./test.js')).test(argv, `${__dirname}/cli.cjs`);
      default:
        process.stdout.write(`${MAIN_USAGE}\n`);
        return 0;
    }
  } catch (error) {
    warn(messageOf(error));
    return error instanceof UsageError ? 2 : 1;
  }
}
