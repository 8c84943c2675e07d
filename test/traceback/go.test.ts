import { describe, expect, it } from 'vitest';
import { parseGo, recogniseGo } from '../../src/traceback/go.js';
import { type Expected, brief, describeCorpus, describeRobustness, framesOf, readSample } from './corpus/load.js';

/** What each corpus sample must give: frames innermost first, runtime frames dropped. */
const EXPECTED: Record<string, Expected> = {
  'inventory-index.txt': {
    kind: 'panic',
    errorClass: 'runtime error',
    frames: [
      ['example.com/inventory/internal/store.(*Store).Lookup', '/tmp/wdgen/go/internal/store/store.go', 16],
      ['main.show', '/tmp/wdgen/go/cmd/inventory/main.go', 11],
      ['main.main', '/tmp/wdgen/go/cmd/inventory/main.go', 18],
    ],
  },
  'inventory-custom-error.txt': {
    kind: 'panic',
    errorClass: 'panic',
    frames: [
      ['example.com/inventory/internal/store.(*Store).Load', '/tmp/wdgen/go/internal/store/store.go', 24],
      ['main.main', '/tmp/wdgen/go/cmd/inventory/main.go', 20],
    ],
  },
  'inventory-concurrent-map-writes.txt': {
    kind: 'fatal error',
    errorClass: 'fatal error',
    frames: [
      ['example.com/inventory/internal/store.(*Store).Count.func1', '/tmp/wdgen/go/internal/store/store.go', 32],
    ],
  },
  'inventory-nil-pointer.txt': {
    kind: 'panic',
    errorClass: 'runtime error',
    frames: [
      ['main.main', '/tmp/wdgen/go/cmd/inventory/main.go', 25],
    ],
  },
  'inventory-recovered.txt': {
    kind: 'panic',
    errorClass: 'panic',
    frames: [
      ['main.main.func1', '/tmp/wdgen/go/cmd/inventory/main.go', 29],
      ['example.com/inventory/internal/store.(*Store).Lookup', '/tmp/wdgen/go/internal/store/store.go', 16],
      ['main.show', '/tmp/wdgen/go/cmd/inventory/main.go', 11],
      ['main.main', '/tmp/wdgen/go/cmd/inventory/main.go', 31],
    ],
  },
  'inventory-goroutine.txt': {
    kind: 'panic',
    errorClass: 'runtime error',
    frames: [
      ['example.com/inventory/internal/store.(*Store).Lookup', '/tmp/wdgen/go/internal/store/store.go', 16],
      ['main.show', '/tmp/wdgen/go/cmd/inventory/main.go', 11],
      ['main.main.func2', '/tmp/wdgen/go/cmd/inventory/main.go', 35],
    ],
  },
  'inventory-deadlock.txt': { name: 'crash/no-running-goroutine' },
  'inventory-stack-overflow.txt': {
    kind: 'fatal error',
    errorClass: 'fatal error',
    frames: [
      ['example.com/inventory/internal/store.Depth', '/tmp/wdgen/go/internal/store/store.go', 44],
      ['example.com/inventory/internal/store.Depth', '/tmp/wdgen/go/internal/store/store.go', 45],
      ['example.com/inventory/internal/store.Depth', '/tmp/wdgen/go/internal/store/store.go', 45],
      ['example.com/inventory/internal/store.Depth', '/tmp/wdgen/go/internal/store/store.go', 45],
      ['example.com/inventory/internal/store.Depth', '/tmp/wdgen/go/internal/store/store.go', 45],
      ['example.com/inventory/internal/store.Depth', '/tmp/wdgen/go/internal/store/store.go', 45],
      ['example.com/inventory/internal/store.Depth', '/tmp/wdgen/go/internal/store/store.go', 45],
    ],
  },
  'inventory-gotraceback-system.txt': {
    kind: 'panic',
    errorClass: 'runtime error',
    frames: [
      ['example.com/inventory/internal/store.(*Store).Lookup', '/tmp/wdgen/go/internal/store/store.go', 16],
      ['main.show', '/tmp/wdgen/go/cmd/inventory/main.go', 11],
      ['main.main.func2', '/tmp/wdgen/go/cmd/inventory/main.go', 35],
    ],
  },
  'inventory-trimpath-system.txt': {
    kind: 'panic',
    errorClass: 'panic',
    frames: [
      ['main.main.func1', 'example.com/inventory/cmd/inventory/main.go', 29],
      ['example.com/inventory/internal/store.(*Store).Lookup', 'example.com/inventory/internal/store/store.go', 16],
      ['main.show', 'example.com/inventory/cmd/inventory/main.go', 11],
      ['main.main', 'example.com/inventory/cmd/inventory/main.go', 31],
    ],
  },
  'drain-module-cache.txt': {
    kind: 'panic',
    errorClass: 'runtime error',
    frames: [
      ['github.com/Alice-Corp/tinyq.(*Queue).Pop', '/tmp/wdgen/home/alice/go/pkg/mod/github.com/!alice-!corp/tinyq@v1.2.3/queue.go', 9],
      ['github.com/Alice-Corp/tinyq.Drain', '/tmp/wdgen/home/alice/go/pkg/mod/github.com/!alice-!corp/tinyq@v1.2.3/queue.go', 16],
      ['main.main', '/tmp/wdgen/alice-proj/main.go', 13],
    ],
  },
  'gopls-1.txt': {
    kind: 'panic',
    errorClass: 'runtime error',
    frames: [
      ['golang.org/x/tools/gopls/internal/golang.highlightIdentifier.func3', 'golang.org/x/tools/gopls/internal/golang/highlight.go', 563],
    ],
  },
  'gopls-2.txt': {
    kind: 'panic',
    errorClass: 'runtime error',
    frames: [
      ['golang.org/x/tools/gopls/internal/cache.(*action).exec', 'analysis.go', 1185],
      ['golang.org/x/tools/gopls/internal/cache.execActions.func1.1', 'analysis.go', 1149],
      ['sync.(*Once).doSlow', 'once.go', 74],
      ['sync.(*Once).Do', 'once.go', 65],
      ['golang.org/x/tools/gopls/internal/cache.execActions.func1', 'analysis.go', 1147],
    ],
  },
  'gopls-3.txt': {
    kind: 'panic',
    errorClass: 'runtime error',
    frames: [
      ['go/types.(*Checker).handleBailout', 'C:/Program   check.go', 467],
      ['go/types.(*Checker).Files.deferwrap1', 'C:/Program   check.go', 484],
      ['go/types.under', 'C:/Program   under.go', 18],
      ['go/types.isBasic', 'C:/Program   predicates.go', 38],
      ['go/types.isString', 'C:/Program   predicates.go', 30],
    ],
  },
  'gopls-4.txt': {
    kind: 'panic',
    errorClass: 'runtime error',
    frames: [
      ['golang.org/x/tools/internal/lsp/source.Diagnostics', 'diagnostics.go', 53],
      ['golang.org/x/tools/internal/lsp.(*Server).diagnostics', 'diagnostics.go', 30],
    ],
  },
  'terraform-1.txt': {
    kind: 'goroutine dump',
    errorClass: null,
    frames: [
      ['github.com/hashicorp/terraform/internal/logging.PanicHandler', '/home/circleci/project/project/internal/logging/panic.go', 55],
      ['github.com/hashicorp/terraform/internal/cloud.(*Cloud).Operation', '/home/circleci/project/project/internal/cloud/backend.go', 607],
      ['github.com/hashicorp/terraform/internal/command.(*Meta).RunOperation', '/home/circleci/project/project/internal/command/meta.go', 401],
    ],
  },
  'ibenchmark-1.txt': {
    kind: 'fatal error',
    errorClass: 'fatal error',
    frames: [
      ['main.handle_request', '/tmp/ibenchmark/iBench.go', 142],
    ],
  },
  'grtm-1.txt': {
    kind: 'fatal error',
    errorClass: 'fatal error',
    frames: [
      ['github.com/scottkiss/grtm.(*GrManager).NewLoopGoroutine.func1', 'C:/Users/Administrator/go/pkg/mod/github.com/scottkiss/grtm@v0.0.0-20151009105840-1c69ec29e5b2/grmanager.go', 38],
    ],
  },
  'hllpp-1.txt': {
    kind: 'panic',
    errorClass: 'runtime error',
    frames: [
      ['github.com/mattbostock/example/vendor/github.com/retailnext/hllpp.getRegister', '/go/src/github.com/mattbostock/example/vendor/github.com/retailnext/hllpp/dense.go', 46],
      ['github.com/mattbostock/example/vendor/github.com/retailnext/hllpp.(*HLLPP).updateRegisterIfBigger', '/go/src/github.com/mattbostock/example/vendor/github.com/retailnext/hllpp/hllpp.go', 127],
      ['github.com/mattbostock/example/vendor/github.com/retailnext/hllpp.(*HLLPP).Add', '/go/src/github.com/mattbostock/example/vendor/github.com/retailnext/hllpp/hllpp.go', 113],
      ['main.main.func1', '/go/src/github.com/mattbostock/example/internal/test/bench/bench.go', 85],
    ],
  },
  'cntb-1.txt': {
    kind: 'panic',
    errorClass: 'runtime error',
    frames: [
      ['contabo.com/cli/cntb/cmd/roles.glob..func6', '/builds/arcus/customer-tools/cntb/cmd/roles/edit.go', 85],
    ],
  },
  'hugo-1.txt': {
    kind: 'goroutine dump',
    errorClass: null,
    frames: [
      ['flag.init', '/usr/local/go/src/flag/flag.go', 840],
      ['github.com/spf13/pflag.init', '/home/caddy/go/src/github.com/spf13/pflag/uint8.go', 91],
      ['github.com/spf13/viper.init', '/home/caddy/go/src/github.com/spf13/viper/viper.go', 1026],
      ['github.com/spf13/hugo/create.init', '/home/caddy/go/src/github.com/spf13/hugo/create/content.go', 165],
      ['github.com/spf13/hugo/commands.init', '/home/caddy/go/src/github.com/spf13/hugo/commands/version.go', 76],
      ['github.com/hacdias/caddy-hugo/utils.init', '/home/caddy/go/src/github.com/hacdias/caddy-hugo/utils/utils.go', 208],
      ['github.com/hacdias/caddy-hugo.init', '/home/caddy/go/src/github.com/hacdias/caddy-hugo/hugo.go', 135],
      ['github.com/mholt/caddy/config.init', '/tmp/custombuild_5197_315274122/src/github.com/mholt/caddy/config/directives.go', 52],
      ['main.init', '/tmp/custombuild_5197_315274122/src/github.com/mholt/caddy/main.go', 174],
    ],
  },
  'wp2hugo-1.txt': {
    kind: 'panic',
    errorClass: 'runtime error',
    frames: [
      ['github.com/ashishb/wp2hugo/src/wp2hugo/internal/wpparser.getCommonFields', '/home/nelson/code/wp2hugo/src/wp2hugo/internal/wpparser/wp_parser_setup.go', 259],
      ['github.com/ashishb/wp2hugo/src/wp2hugo/internal/wpparser.getPostInfo', '/home/nelson/code/wp2hugo/src/wp2hugo/internal/wpparser/wp_parser_setup.go', 429],
    ],
  },
};

describeCorpus('go', 'go', recogniseGo, parseGo, EXPECTED);

describe('parseGo details', () => {
  const panicText = readSample('go/inventory-index.txt');

  it('drops runtime frames (runtime.*, runtime/debug.*, panic) and keeps other standard-library frames', () => {
    const frames = framesOf(parseGo(readSample('go/gopls-2.txt')));
    expect(frames.map((f) => f.function)).toContain('sync.(*Once).Do');
    for (const text of [readSample('go/terraform-1.txt'), readSample('go/ibenchmark-1.txt'), readSample('go/inventory-gotraceback-system.txt')]) {
      for (const f of framesOf(parseGo(text))) {
        expect(f.function).not.toMatch(/^(runtime[./]|panic$)/);
      }
    }
  });

  it('leaves `created by` out: it is where the goroutine started, not a caller', () => {
    const frames = framesOf(parseGo(readSample('go/inventory-goroutine.txt')));
    expect(frames.at(-1)).toMatchObject({ function: 'main.main.func2', line: 35 });
  });

  it('reads the old `created by X` and the Go 1.21+ `created by X in goroutine N` alike', () => {
    const old = 'panic: boom\n\ngoroutine 5 [running]:\nmain.worker()\n\t/src/w.go:9 +0x1d\ncreated by main.main\n\t/src/w.go:3 +0x2f\n';
    const now = old.replace('created by main.main', 'created by main.main in goroutine 1');
    expect(brief(framesOf(parseGo(old)))).toEqual([['main.worker', '/src/w.go', 9]]);
    expect(brief(framesOf(parseGo(now)))).toEqual([['main.worker', '/src/w.go', 9]]);
  });

  it('takes the crash after the last header, not a goroutine dump the program printed before', () => {
    const logged = 'goroutine 1 [running]:\nmain.logIt()\n\t/src/log.go:4 +0x1\n\n';
    expect(brief(framesOf(parseGo(logged + panicText)))[0]).toEqual(brief(framesOf(parseGo(panicText)))[0]);
  });

  it('classifies from a fixed vocabulary only', () => {
    const cls = (header: string) => {
      const c = parseGo(`${header}\n\ngoroutine 1 [running]:\nmain.main()\n\t/x/main.go:3 +0x1\n`);
      return c.type === 'stack' ? [c.kind, c.errorClass] : null;
    };
    expect(cls('panic: runtime error: slice bounds out of range [:5] with capacity 3')).toEqual(['panic', 'runtime error']);
    expect(cls('panic: interface conversion: interface {} is string, not int')).toEqual(['panic', 'runtime error']);
    expect(cls('panic: assignment to entry in nil map')).toEqual(['panic', 'runtime error']);
    expect(cls('panic: send on closed channel')).toEqual(['panic', 'runtime error']);
    expect(cls('panic: open /home/alice/secret: permission denied')).toEqual(['panic', 'panic']);
    expect(cls('panic: main.MyErr{Code:7} [recovered]\n\tpanic: runtime error: integer divide by zero')).toEqual(['panic', 'runtime error']);
    expect(cls('fatal error: concurrent map read and map write')).toEqual(['fatal error', 'fatal error']);
    expect(cls('SIGSEGV: segmentation violation\nPC=0x7f3a m=0 sigcode=1')).toEqual(['signal', 'SIGSEGV']);
    expect(cls('SIGABRT: abort\nPC=0x46e8e1 m=0 sigcode=0')).toEqual(['signal', 'SIGABRT']);
  });

  it('gives Go\'s crash/no-running-goroutine when no goroutine was running (a signal in cgo code)', () => {
    const cgo = 'SIGSEGV: segmentation violation\nPC=0x7f1 m=0 sigcode=1\nsignal arrived during cgo execution\n\ngoroutine 1 [syscall]:\nruntime.cgocall(0x4a1, 0xc000)\n\t/usr/local/go/src/runtime/cgocall.go:157 +0x5c\nmain._Cfunc_crash()\n\t_cgo_gotypes.go:39 +0x45\n';
    expect(parseGo(cgo)).toEqual({ type: 'counter', name: 'crash/no-running-goroutine', runtime: 'go', entry: null });
  });

  it('takes the first running goroutine whose stack is available', () => {
    const text = 'fatal error: unexpected signal\n\ngoroutine 7 [running]:\n\tgoroutine running on other thread; stack unavailable\n\ngoroutine 1 [running]:\nmain.main()\n\t/x/main.go:5 +0x1\n';
    expect(brief(framesOf(parseGo(text)))).toEqual([['main.main', '/x/main.go', 5]]);
  });

  it('reads CRLF line endings, generic names, inlined frames and elided frames', () => {
    const text = [
      'panic: x',
      '',
      'goroutine 1 [running, locked to thread]:',
      'example.com/m/pkg.Map[...]({0xc000012345?, 0x3, 0x3}, 0x4a2b40)',
      '\t/src/m/pkg/map.go:12 +0x6d',
      'example.com/m/pkg.(*Tree[...]).Walk(...)',
      '\t/src/m/pkg/tree.go:40',
      '...additional frames elided...',
      'main.main()',
      '\t/src/m/main.go:7 +0x25',
    ].join('\r\n');
    expect(brief(framesOf(parseGo(text)))).toEqual([
      ['example.com/m/pkg.Map[...]', '/src/m/pkg/map.go', 12],
      ['example.com/m/pkg.(*Tree[...]).Walk', '/src/m/pkg/tree.go', 40],
      ['main.main', '/src/m/main.go', 7],
    ]);
  });

  it('recognises Go text only from a goroutine header followed by a function line', () => {
    expect(recogniseGo('fatal error: foo.h: No such file or directory\ncompilation terminated.\n')).toBe(false);
    expect(recogniseGo('panic: x\n')).toBe(false);
    expect(recogniseGo('goroutine 1 [running]:\n')).toBe(false);
    expect(recogniseGo('')).toBe(false);
    expect(recogniseGo(panicText)).toBe(true);
    expect(recogniseGo(undefined as unknown as string)).toBe(false);
  });

  it('caps the frames it keeps', () => {
    const frame = 'main.f(...)\n\t/x/main.go:3 +0x1\n';
    const text = 'panic: x\n\ngoroutine 1 [running]:\n' + frame.repeat(10_000);
    expect(framesOf(parseGo(text))).toHaveLength(256);
  });
});

describeRobustness('go', parseGo, recogniseGo, 'panic: runtime error: index out of range');

describe('parseGo on many goroutine headers', () => {
  it('stays linear', () => {
    const text = 'goroutine 1 [running]:\n'.repeat(400_000);
    const start = performance.now();
    parseGo(text);
    recogniseGo(text);
    expect(performance.now() - start).toBeLessThan(3000);
  });
});
