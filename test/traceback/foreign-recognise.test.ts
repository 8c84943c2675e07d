import { describe, expect, it } from 'vitest';
import { recogniseBun, recogniseDeno } from '../../src/traceback/deno-bun.js';
import { recogniseGo } from '../../src/traceback/go.js';
import { recogniseNodeStderr } from '../../src/traceback/node-stderr.js';
import { recognisePython } from '../../src/traceback/python.js';
import { recogniseRust } from '../../src/traceback/rust.js';
import { allSamples } from './corpus/load.js';

/** Every text recogniser of another runtime's crash output, by corpus directory. */
const RECOGNISERS: Record<string, (text: string) => boolean> = {
  go: recogniseGo,
  python: recognisePython,
  rust: recogniseRust,
  deno: recogniseDeno,
  bun: recogniseBun,
  node: recogniseNodeStderr,
};

describe('the recognisers of other runtimes\' crash text', () => {
  it('accept each corpus sample by its own runtime only, in whatever order they are tried', () => {
    for (const sample of allSamples()) {
      const accepted = Object.entries(RECOGNISERS)
        .filter(([, recognise]) => recognise(sample.text))
        .map(([name]) => name);
      expect(accepted, sample.path).toEqual(sample.recognised ? [sample.path.slice(0, sample.path.indexOf('/'))] : []);
    }
  });

  it('accept no ordinary output', () => {
    const ordinary = [
      '',
      'Compiling ledger v0.1.0 (/home/alice/ledger)\n    Finished dev [unoptimized + debuginfo] target(s) in 0.4s\n',
      'error: could not compile `ledger` due to previous error\n',
      'fatal error: foo.h: No such file or directory\ncompilation terminated.\n',
      'Error: ENOENT: no such file or directory, open \'x\'\n',
      'usage: tool [-h] [--verbose]\ntool: error: the following arguments are required: path\n',
      'panic: is only a word here\n',
    ];
    for (const text of ordinary) {
      for (const [name, recognise] of Object.entries(RECOGNISERS)) expect(recognise(text), `${name}: ${text}`).toBe(false);
    }
  });
});
