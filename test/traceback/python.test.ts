import { describe, expect, it } from 'vitest';
import { parsePython, recognisePython } from '../../src/traceback/python.js';
import { type Expected, brief, describeCorpus, describeRobustness, framesOf, readSample } from './corpus/load.js';

/** What each corpus sample must give: frames innermost first (tracebacks print them outermost first). */
const EXPECTED: Record<string, Expected> = {
  'simple.txt': {
    kind: 'exception',
    errorClass: 'ValueError',
    frames: [
      ['parse', '/tmp/wdgen/py/simple.py', 2],
      ['main', '/tmp/wdgen/py/simple.py', 6],
      [null, '/tmp/wdgen/py/simple.py', 9],
    ],
  },
  'mytool-chained.txt': {
    kind: 'exception',
    errorClass: 'mytool.errors.ToolError',
    frames: [
      ['run', '/tmp/wdgen/py/mytool/cli.py', 13],
      [null, '/tmp/wdgen/py/mytool/cli.py', 17],
      ['_run_code', '<frozen runpy>', 88],
      ['_run_module_as_main', '<frozen runpy>', 198],
    ],
  },
  'exception-group.txt': {
    kind: 'exception',
    errorClass: 'ExceptionGroup',
    frames: [
      ['validate', '/tmp/wdgen/py/group.py', 14],
      [null, '/tmp/wdgen/py/group.py', 17],
    ],
  },
  'faulthandler-segv.txt': {
    kind: 'signal',
    errorClass: 'SIGSEGV',
    frames: [
      ['string_at', '/root/.pyenv/versions/3.11.7/lib/python3.11/ctypes/__init__.py', 519],
      ['peek', '/tmp/wdgen/py/segv.py', 5],
      ['main', '/tmp/wdgen/py/segv.py', 9],
      [null, '/tmp/wdgen/py/segv.py', 12],
    ],
  },
  'syntax-error.txt': {
    kind: 'exception',
    errorClass: 'SyntaxError',
    frames: [
      [null, '/tmp/wdgen/py/bad_syntax.py', 2],
    ],
  },
  'recursion.txt': {
    kind: 'exception',
    errorClass: 'RecursionError',
    frames: [
      ['walk', '/tmp/wdgen/py/recurse.py', 2],
      ['walk', '/tmp/wdgen/py/recurse.py', 2],
      ['walk', '/tmp/wdgen/py/recurse.py', 2],
      [null, '/tmp/wdgen/py/recurse.py', 5],
    ],
  },
  'message-with-traceback.txt': {
    kind: 'exception',
    errorClass: 'Boom',
    frames: [
      ['fail', '/tmp/wdgen/py/multiline.py', 6],
      [null, '/tmp/wdgen/py/multiline.py', 9],
    ],
  },
  'pip-1.txt': {
    kind: 'exception',
    errorClass: 'TypeError',
    frames: [
      [null, 'C:\\Program Files (x86)\\Python38-32\\Scripts\\pip.exe\\__main__.py', 9],
      ['_run_code', 'c:\\program files (x86)\\python38-32\\lib\\runpy.py', 85],
      ['_run_module_as_main', 'c:\\program files (x86)\\python38-32\\lib\\runpy.py', 192],
    ],
  },
  'pip-2.txt': {
    kind: 'exception',
    errorClass: 'ImportError',
    frames: [
      [null, '/usr/local/bin/pip', 7],
    ],
  },
  'pip-3.txt': {
    kind: 'exception',
    errorClass: 'ImportError',
    frames: [
      [null, '/home/tim/.local/bin/pip3', 5],
    ],
  },
  'ansible-1.txt': {
    kind: 'exception',
    errorClass: 'AttributeError',
    frames: [
      ['run', '/Users/zz/work/personal/ansible/lib/ansible/executor/playbook_executor.py', 176],
      ['run', '/Users/zz/work/personal/ansible/lib/ansible/cli/playbook.py', 150],
      [null, '/Users/zz/work/personal/ansible/bin/ansible-playbook', 86],
    ],
  },
  'ansible-2.txt': {
    kind: 'exception',
    errorClass: 'AttributeError',
    frames: [
      ['on_ok', '/root/ansible/lib/ansible/callbacks.py', 155],
      ['_executor_internal', '/root/ansible/lib/ansible/runner.py', 665],
      ['_executor', '/root/ansible/lib/ansible/runner.py', 615],
    ],
  },
  'genesis-faulthandler-1.txt': {
    kind: 'signal',
    errorClass: 'SIGSEGV',
    frames: [
      ['_reward_feet_air_time', '/home/ubuntu/Genesis/examples/locomotion/Genesis-backflip/reward_wrapper.py', 88],
      ['compute_reward', '/home/ubuntu/Genesis/examples/locomotion/Genesis-backflip/env.py', 498],
      ['post_physics_step', '/home/ubuntu/Genesis/examples/locomotion/Genesis-backflip/env.py', 546],
      ['step', '/home/ubuntu/Genesis/examples/locomotion/Genesis-backflip/env.py', 754],
    ],
  },
};

describeCorpus('python', 'python', recognisePython, parsePython, EXPECTED);

describe('parsePython details', () => {
  it('marks module-level code as toplevel, without a function name', () => {
    const frames = framesOf(parsePython(readSample('python/simple.txt')));
    expect(frames.at(-1)).toMatchObject({ function: null, toplevel: true, line: 9 });
    expect(frames[0]!.toplevel).toBeUndefined();
  });

  it('counts the last traceback of a chain, whichever the separator', () => {
    for (const sep of ['During handling of the above exception, another exception occurred:', 'The above exception was the direct cause of the following exception:']) {
      const text = [
        'Traceback (most recent call last):',
        '  File "/app/a.py", line 3, in first',
        '    x()',
        'KeyError: \'secret-key\'',
        '',
        sep,
        '',
        'Traceback (most recent call last):',
        '  File "/app/b.py", line 8, in second',
        '    raise RuntimeError("wrapped")',
        'RuntimeError: wrapped',
      ].join('\n');
      const crash = parsePython(text);
      expect(crash).toMatchObject({ errorClass: 'RuntimeError' });
      expect(brief(framesOf(crash))).toEqual([['second', '/app/b.py', 8]]);
    }
  });

  it('takes a logged traceback\'s successor when the program logged one before crashing', () => {
    const text = [
      'ERROR:root:retrying',
      'Traceback (most recent call last):',
      '  File "/app/net.py", line 10, in fetch',
      'TimeoutError: timed out',
      'INFO:root:giving up',
      'Traceback (most recent call last):',
      '  File "/app/main.py", line 4, in <module>',
      'SystemError: bad state',
    ].join('\n');
    expect(brief(framesOf(parsePython(text)))).toEqual([[null, '/app/main.py', 4]]);
  });

  it('does not take a traceback inside the last exception\'s message for the crash', () => {
    const crash = parsePython(readSample('python/message-with-traceback.txt'));
    expect(crash).toMatchObject({ errorClass: 'Boom' });
    expect(JSON.stringify(crash)).not.toContain('forged');
  });

  it('reads a faulthandler dump without a current thread (all_threads=False: `Stack`)', () => {
    const text = 'Fatal Python error: Aborted\n\nStack (most recent call first):\n  File "/app/x.py", line 7 in crash\n  File "/app/x.py", line 9 in <module>\n';
    const crash = parsePython(text);
    expect(crash).toMatchObject({ kind: 'signal', errorClass: 'SIGABRT' });
    expect(brief(framesOf(crash))).toEqual([['crash', '/app/x.py', 7], [null, '/app/x.py', 9]]);
  });

  it('gives kind `fatal error` and no class for a fatal error that is not a signal', () => {
    const text = 'Fatal Python error: _PyMem_DebugRawFree: bad ID: Allocated using API \'m\', verified using API \'r\'\nPython runtime state: initialized\n\nCurrent thread 0x00007f (most recent call first):\n  File "/app/x.py", line 2 in f\n';
    expect(parsePython(text)).toMatchObject({ kind: 'fatal error', errorClass: null });
  });

  it('keeps the exception type only: dotted names, no message, no non-identifiers', () => {
    const cls = (line: string) => {
      const c = parsePython(`Traceback (most recent call last):\n  File "/x.py", line 1, in <module>\n${line}`);
      return c.type === 'stack' ? c.errorClass : undefined;
    };
    expect(cls('KeyboardInterrupt')).toBe('KeyboardInterrupt');
    expect(cls('requests.exceptions.ConnectionError: HTTPSConnectionPool(host=\'x\')')).toBe('requests.exceptions.ConnectionError');
    expect(cls('ValueError:')).toBe('ValueError');
    expect(cls('Error here: with spaces')).toBeNull();
    expect(cls('<unprintable ValueError object>')).toBeNull();
  });

  it('reads paths that contain quotes and `, line`', () => {
    const crash = parsePython('Traceback (most recent call last):\n  File "/odd/a", line 1, in b".py", line 12, in handler\n    x\nOSError: no\n');
    expect(brief(framesOf(crash))).toEqual([['handler', '/odd/a", line 1, in b".py', 12]]);
  });

  it('recognises only tracebacks, faulthandler dumps and syntax errors', () => {
    expect(recognisePython('Traceback (most recent call last):\n')).toBe(false);
    expect(recognisePython('The word Traceback (most recent call last): in prose\n')).toBe(false);
    expect(recognisePython('')).toBe(false);
    expect(recognisePython(null as unknown as string)).toBe(false);
  });
});

describeRobustness('python', parsePython, recognisePython, 'Traceback (most recent call last):');
