'use strict';
// Row 3's crashing program: bundled with TypeScript's compiler (minified, ~3.6 MB, with a ~5 MB
// source map) into bench/.work/crash/. It does real compiler work, then fails an internal
// assertion (ts.Debug.fail) from a transformer called deep inside TypeScript's tree visitor, so
// the stack runs through many of TypeScript's frames. It stamps two shared-clock times on stdout:
// bench-throw-at just before the crash, and bench-exit-at from the last 'exit' listener, which
// Node runs once the uncaught exception is known to be fatal (before the error text is printed).
const { writeSync } = require('node:fs');
const { performance } = require('node:perf_hooks');
const ts = require('typescript');

const stamp = (key) => writeSync(1, `${key}=${performance.timeOrigin + performance.now()}\n`);
process.on('exit', () => stamp('bench-exit-at'));

const text = `
export class Queue<T> {
  private items: T[] = [];
  push(item: T): void { this.items.push(item); }
  drain(limit = 10): T[] { return this.items.splice(0, Math.min(limit, this.items.length)); }
}
export function total(xs: readonly number[]): number { return xs.reduce((a, b) => a + b * 2, 0); }
`;
const file = ts.createSourceFile('queue.ts', text, ts.ScriptTarget.Latest, true);

function failOnNumbers(context) {
  const visit = (node) => {
    if (node.kind === ts.SyntaxKind.NumericLiteral && node.text === '2') {
      stamp('bench-throw-at');
      ts.Debug.fail('provoked by the benchmark');
    }
    return ts.visitEachChild(node, visit, context);
  };
  return (root) => ts.visitNode(root, visit);
}

ts.transform(file, [failOnNumbers]);
