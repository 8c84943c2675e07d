import { describe, expect, it } from 'vitest';
import { parseBun, parseDeno, recogniseBun, recogniseDeno } from '../../src/traceback/deno-bun.js';
import { type Expected, brief, describeCorpus, describeRobustness, framesOf, readSample } from './corpus/load.js';

/** Deno: the last `error: Uncaught` header's own stack, `ext:` frames dropped. */
const DENO: Record<string, Expected> = {
  'app-main.txt': {
    kind: 'exception',
    errorClass: 'TypeError',
    frames: [
      ['lookup', 'file:///tmp/wdgen/js/main.ts', 5],
      ['report', 'file:///tmp/wdgen/js/main.ts', 10],
      [null, 'file:///tmp/wdgen/js/main.ts', 13],
    ],
  },
  'app-reject.txt': {
    kind: 'exception',
    errorClass: 'Error',
    frames: [
      ['fetchToken', 'file:///tmp/wdgen/js/reject.ts', 3],
      ['run', 'file:///tmp/wdgen/js/reject.ts', 7],
    ],
  },
  'app-cause.txt': {
    kind: 'exception',
    errorClass: 'Error',
    frames: [
      ['outer', 'file:///tmp/wdgen/js/cause.js', 8],
      [null, 'file:///tmp/wdgen/js/cause.js', 13],
    ],
  },
  'app-fsfail.txt': {
    kind: 'exception',
    errorClass: 'Error',
    frames: [
      ['loadConfig', 'file:///tmp/wdgen/js/fsfail.js', 4],
      [null, 'file:///tmp/wdgen/js/fsfail.js', 7],
    ],
  },
  'app-str.txt': {
    kind: 'exception',
    errorClass: null,
    frames: [],
  },
  'app-timer.txt': {
    kind: 'exception',
    errorClass: 'SyntaxError',
    frames: [
      ['parse', null, null],
      ['tick', 'file:///tmp/wdgen/js/timer.js', 2],
    ],
  },
  'app-logged.txt': {
    kind: 'exception',
    errorClass: 'TypeError',
    frames: [
      ['crash', 'file:///tmp/wdgen/js/logged.js', 5],
      [null, 'file:///tmp/wdgen/js/logged.js', 9],
    ],
  },
  'app-logged2.txt': {
    kind: 'exception',
    errorClass: 'TypeError',
    frames: [
      [null, 'file:///tmp/wdgen/js/logged2.js', 2],
    ],
  },
  'trex-1.txt': {
    kind: 'exception',
    errorClass: 'TypeError',
    frames: [
      ['run', 'https://deno.land/std@0.99.0/fmt/colors.ts', 69],
      ['yellow', 'https://deno.land/std@0.99.0/fmt/colors.ts', 166],
      ['Thread', 'https://deno.land/x/trex@v1.8.0/commands/run.ts', 149],
      ['Run', 'https://deno.land/x/trex@v1.8.0/commands/run.ts', 211],
      ['Main', 'https://deno.land/x/trex@v1.8.0/cli.ts', 191],
      [null, 'https://deno.land/x/trex@v1.8.0/cli.ts', 286],
    ],
  },
  'deno-26700.txt': {
    kind: 'exception',
    errorClass: 'TypeError',
    frames: [],
  },
  'app-main-tty.txt': {
    kind: 'exception',
    errorClass: 'TypeError',
    frames: [
      ['lookup', 'file:///tmp/wdgen/js/main.ts', 5],
      ['report', 'file:///tmp/wdgen/js/main.ts', 10],
      [null, 'file:///tmp/wdgen/js/main.ts', 13],
    ],
  },
};

/** Bun: the first report of the last run of reports (the error, not its causes). */
const BUN: Record<string, Expected> = {
  'app-main.txt': {
    kind: 'exception',
    errorClass: 'TypeError',
    frames: [
      ['lookup', '/tmp/wdgen/js/main.ts', 4],
      [null, '/tmp/wdgen/js/main.ts', 13],
    ],
  },
  'app-reject.txt': {
    kind: 'exception',
    errorClass: 'Error',
    frames: [
      ['fetchToken', '/tmp/wdgen/js/reject.ts', 3],
      ['run', '/tmp/wdgen/js/reject.ts', 7],
    ],
  },
  'app-cause.txt': {
    kind: 'exception',
    errorClass: 'Error',
    frames: [
      ['outer', '/tmp/wdgen/js/cause.js', 8],
      [null, '/tmp/wdgen/js/cause.js', 13],
    ],
  },
  'app-fsfail.txt': {
    kind: 'exception',
    errorClass: null,
    frames: [
      [null, '/tmp/wdgen/js/fsfail.js', 7],
    ],
  },
  'app-str.txt': {
    kind: 'exception',
    errorClass: 'Error',
    frames: [],
  },
  'app-timer.txt': {
    kind: 'exception',
    errorClass: 'SyntaxError',
    frames: [
      ['tick', '/tmp/wdgen/js/timer.js', 2],
    ],
  },
  'app-logged.txt': {
    kind: 'exception',
    errorClass: 'TypeError',
    frames: [
      ['crash', '/tmp/wdgen/js/logged.js', 5],
      [null, '/tmp/wdgen/js/logged.js', 9],
    ],
  },
  'app-logged2.txt': {
    kind: 'exception',
    errorClass: 'Error',
    frames: [
      [null, '/tmp/wdgen/js/logged2.js', 1],
    ],
  },
  'bun-32390.txt': {
    kind: 'exception',
    errorClass: 'Error',
    frames: [
      [null, '/home/c01kele/21206/custom_stack.mjs', 1],
    ],
  },
  'bun-11372.txt': {
    kind: 'exception',
    errorClass: 'TypeError',
    frames: [
      [null, '/home/nebor/github/test.ts', 1],
    ],
  },
  'bun-21134.txt': {
    kind: 'exception',
    errorClass: 'TypeError',
    frames: [
      [null, '/redacted/test.js', 3],
    ],
  },
  'bun-12757.txt': {
    kind: 'runtime crash',
    errorClass: null,
    frames: [],
  },
  'app-cause-tty.txt': {
    kind: 'exception',
    errorClass: 'Error',
    frames: [
      ['outer', '/tmp/wdgen/js/cause.js', 8],
      [null, '/tmp/wdgen/js/cause.js', 13],
    ],
  },
};

describeCorpus('deno', 'deno', recogniseDeno, parseDeno, DENO);
describeCorpus('bun', 'bun', recogniseBun, parseBun, BUN);

describe('parseDeno details', () => {
  it('stops at `Caused by:`: the cause\'s stack is not the error\'s', () => {
    const frames = framesOf(parseDeno(readSample('deno/app-cause.txt')));
    expect(frames.map((f) => f.function)).not.toContain('inner');
  });

  it('gives no class for thrown non-errors and keeps identifiers otherwise', () => {
    const cls = (h: string) => {
      const c = parseDeno(`error: Uncaught ${h}\n    at file:///a.ts:1:1\n`);
      return c.type === 'stack' ? c.errorClass : undefined;
    };
    expect(cls('(in promise) NotFound: No such file or directory (os error 2)')).toBe('NotFound');
    expect(cls('SyntaxError: Unexpected token')).toBe('SyntaxError');
    expect(cls('"a string"')).toBeNull();
    expect(cls('42')).toBeNull();
    expect(cls('undefined')).toBeNull();
    expect(cls('{ code: 1 }')).toBeNull();
  });

  it('does not recognise other runtimes\' text', () => {
    expect(recogniseDeno(readSample('node/proj-reject.txt'))).toBe(false);
    expect(recogniseDeno(readSample('bun/app-reject.txt'))).toBe(false);
    expect(recogniseDeno('error: could not find Cargo.toml\n')).toBe(false);
  });
});

describe('parseBun details', () => {
  it('takes the error, not the cause Bun prints after it', () => {
    const frames = framesOf(parseBun(readSample('bun/app-cause.txt')));
    expect(brief(frames)[0]).toEqual(['outer', '/tmp/wdgen/js/cause.js', 8]);
  });

  it('takes the crash, not an error the program logged before other output', () => {
    expect(parseBun(readSample('bun/app-logged.txt'))).toMatchObject({ errorClass: 'TypeError' });
  });

  it('drops built-in frames printed as a bare position and marks the module code they ran', () => {
    const frames = framesOf(parseBun(readSample('bun/bun-21134.txt')));
    expect(frames).toHaveLength(1);
    expect(frames[0]).toMatchObject({ file: '/redacted/test.js', function: null, toplevel: true });
  });

  it('reads the version from the trailer', () => {
    expect(parseBun(readSample('bun/app-main.txt'))).toMatchObject({ runtimeVersion: 'v1.4.4' });
  });

  it('gives kind `runtime crash` when Bun itself crashed', () => {
    expect(parseBun(readSample('bun/bun-12757.txt'))).toMatchObject({ kind: 'runtime crash', frames: [] });
  });

  it('does not recognise other runtimes\' text', () => {
    expect(recogniseBun(readSample('node/proj-reject.txt'))).toBe(false);
    expect(recogniseBun(readSample('deno/app-reject.txt'))).toBe(false);
  });
});

describeRobustness('deno', parseDeno, recogniseDeno, 'error: Uncaught (in promise) Error: x');
describeRobustness('bun', parseBun, recogniseBun, 'Bun v1.4.4 (Linux x64)');

describe('terminal colours', () => {
  it('are ignored (Deno and Bun colour their report when writing to a terminal)', () => {
    const plain = readSample('deno/app-main.txt');
    const coloured = plain
      .replace('error: Uncaught', '\u001b[0m\u001b[1m\u001b[31merror\u001b[0m: Uncaught')
      .replace(/ at (\S+) \(/g, ' at \u001b[1m\u001b[3m$1\u001b[0m (\u001b[36m')
      .replace(/\)$/gm, '\u001b[0m)');
    expect(coloured).not.toBe(plain);
    expect(recogniseDeno(coloured)).toBe(true);
    expect(brief(framesOf(parseDeno(coloured)))).toEqual(brief(framesOf(parseDeno(plain))));
  });
});
