/** Where the identifier V8 named sits relative to a function's start, in minified code. */
import { describe, expect, it } from 'vitest';
import { nameColumns, recoverName } from '../../src/symbolize/names.js';

/** The 1-based column of `marker`'s first character in `line`, at `nth` occurrence. */
function col(line: string, marker: string, nth = 0): number {
  let at = -1;
  for (let i = 0; i <= nth; i++) at = line.indexOf(marker, at + 1);
  if (at < 0) throw new Error(`no ${marker}`);
  return at + 1;
}

describe('nameColumns', () => {
  const line = 'function a(e){return e}var s=e=>{},i=function(r){},u=async r=>{};async function b(){}function*g(){}const o={m:(t)=>1};class K{x(){}};n=class{value;constructor(e){}}';

  it.each([
    ['declaration', 'function a', 'a', 'a(e)'],
    ['arrow bound to var', 'e=>{}', 's', 's=e'],
    ['function expression bound in a list', 'function(r)', 'i', 'i=function'],
    ['async arrow', 'async r', 'u', 'u=async'],
    ['async declaration', 'async function b', 'b', 'b()'],
    ['generator', 'function*g', 'g', 'g()'],
    ['property arrow', '(t)=>1', 'm', 'm:'],
    ['method', 'x(){}', 'x', 'x(){}'],
    ['class expression constructor', 'constructor(e)', 'n', 'n=class'],
  ])('%s', (_, start, v8Name, at) => {
    expect(nameColumns(line, col(line, start), v8Name)).toContain(col(line, at));
  });

  it('finds nothing for a different name, a non-identifier, or a position off the line', () => {
    expect(nameColumns(line, 1, 'zz')).toEqual([]);
    expect(nameColumns(line, 1, 'get x')).toEqual([]);
    expect(nameColumns(line, 1, 'Foo.bar')).toEqual([]);
    expect(nameColumns(line, 0, 'a')).toEqual([]);
    expect(nameColumns(line, line.length + 5, 'a')).toEqual([]);
  });

  it('does not take a comparison or an arrow for a binding', () => {
    const l = 'if(s==e=>1)x;t=s=>{}';
    expect(nameColumns(l, col(l, 'e=>1'), 's')).toEqual([]);
  });

  it('handles $ and _ in names', () => {
    const l = 'var $a_1=e=>{}';
    expect(nameColumns(l, col(l, 'e=>'), '$a_1')).toEqual([5]);
  });
});

describe('recoverName', () => {
  const line = 'function a(e){return e}';
  it('returns the map name at the identifier when it differs from V8 name', () => {
    expect(recoverName(line, 1, 'a', (c) => (c === 10 ? 'parseExpr' : null))).toBe('parseExpr');
  });
  it('keeps V8 name when the map has no name there, the same name, or only a name elsewhere', () => {
    expect(recoverName(line, 1, 'a', () => null)).toBeNull();
    expect(recoverName(line, 1, 'a', (c) => (c === 10 ? 'a' : null))).toBeNull();
    expect(recoverName(line, 1, 'a', (c) => (c === 12 ? 'text' : null))).toBeNull();
  });
  it('never throws', () => {
    expect(
      recoverName(line, 1, 'a', () => {
        throw new Error('boom');
      }),
    ).toBeNull();
  });
});
