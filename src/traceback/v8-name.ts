/**
 * The function's own name, from what V8 reports: shared by the text parser (names printed in
 * `at` lines) and the record parser (CallSite.getFunctionName()), so both yield the same Frame.
 *
 * V8 reports a name in two shapes, and only the last dotted segment is the function's own:
 *  - a printed method call, `Type.fn [as alias]`: `Type` is the receiver's type, which varies with
 *    the caller (`Object.openSync`, `Foo.bar`), and the alias is the property it was called through;
 *  - an inferred name, given to anonymous functions from where they were assigned:
 *    `Foo.prototype.bar = function () {}` is named `Foo.bar`, `exports.run = ...` is `exports.run`
 *    (so `Module._compile`'s getFunctionName() is `Module._compile`, printed `Module._compile`).
 * Text cannot tell these apart, so both reduce to the last segment: `Foo.bar` -> `bar`,
 * `exports.run` -> `run`, `Module._extensions..js` -> `js`. A getter or setter keeps its prefix
 * (`get Foo.size` -> `get size`). `<anonymous>` (alone or as the last segment) means no name.
 */
export function v8OwnName(name: string | null | undefined): string | null {
  if (typeof name !== 'string') return null;
  let s = name.trim();
  let prefix = '';
  if ((s.startsWith('get ') || s.startsWith('set ')) && s.length > 4) {
    prefix = s.slice(0, 4);
    s = s.slice(4).trimStart();
  }
  const dot = s.lastIndexOf('.');
  if (dot >= 0 && dot < s.length - 1) s = s.slice(dot + 1);
  if (s === '' || s === '<anonymous>') return null;
  return prefix + s;
}
