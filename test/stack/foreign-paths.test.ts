import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { foreignFramePath, isDroppedForeignFrame } from '../../src/stack/foreign-paths.js';

const go = (file: string, root: string | null = null) => foreignFramePath('go', file, root);
const py = (file: string, root: string | null = null) => foreignFramePath('python', file, root);
const rs = (file: string, root: string | null = null) => foreignFramePath('rust', file, root);

describe('foreignFramePath: go', () => {
  it('makes module-cache paths module-relative, undoing the case encoding and dropping the version', () => {
    expect(go('/home/alice/go/pkg/mod/github.com/!alice-!corp/tinyq@v1.2.3/queue.go')).toBe('github.com/Alice-Corp/tinyq/queue.go');
    expect(go('C:/Users/Administrator/go/pkg/mod/github.com/scottkiss/grtm@v0.0.0-20151009105840-1c69ec29e5b2/grmanager.go')).toBe('github.com/scottkiss/grtm/grmanager.go');
    expect(go('C:\\Users\\bob\\go\\pkg\\mod\\golang.org\\x\\tools@v0.1.0\\go\\ast\\inspector\\inspector.go')).toBe('golang.org/x/tools/go/ast/inspector/inspector.go');
    expect(go('/root/go/pkg/mod/github.com/spf13/cobra@v1.8.0/command.go')).toBe('github.com/spf13/cobra/command.go');
    expect(go('/root/go/pkg/mod/k8s.io/client-go@v0.29.0/tools/cache/reflector.go')).toBe('k8s.io/client-go/tools/cache/reflector.go');
  });

  it('names the standard library by package, `go:<pkg>`, wherever GOROOT is', () => {
    expect(go('/usr/local/go/src/encoding/json/decode.go')).toBe('go:encoding/json');
    expect(go('/usr/lib/go-1.19/src/sync/once.go')).toBe('go:sync');
    expect(go('C:/Program Files/Go/src/net/http/server.go')).toBe('go:net/http');
    expect(go('/usr/local/Cellar/go/1.4.1/libexec/src/os/exec/exec.go')).toBe('go:os/exec');
    expect(go('/home/alice/go/pkg/mod/golang.org/toolchain@v0.0.1-go1.23.0.linux-amd64/src/runtime/panic.go')).toBe('go:runtime');
    expect(go('encoding/json/decode.go')).toBe('go:encoding/json'); // -trimpath
  });

  it('keeps -trimpath paths, strips their versions, and reads GOPATH and vendor layouts', () => {
    expect(go('example.com/inventory/cmd/inventory/main.go')).toBe('example.com/inventory/cmd/inventory/main.go');
    expect(go('golang.org/x/tools/gopls@v0.16.1/internal/cache/check.go')).toBe('golang.org/x/tools/gopls/internal/cache/check.go');
    expect(go('/home/caddy/go/src/github.com/spf13/viper/viper.go')).toBe('github.com/spf13/viper/viper.go');
    expect(go('/go/src/github.com/m/example/vendor/github.com/retailnext/hllpp/dense.go')).toBe('github.com/retailnext/hllpp/dense.go');
  });

  it('is relative inside the root and a bare file name elsewhere', () => {
    expect(go('/home/alice/src/inventory/internal/store/store.go', '/home/alice/src/inventory')).toBe('internal/store/store.go');
    expect(go('/home/alice/src/inventory/internal/store/store.go')).toBe('store.go');
    expect(go('/builds/arcus/cntb/cmd/roles/edit.go')).toBe('edit.go');
    expect(go('../../outside/x.go')).toBe('x.go');
  });
});

describe('foreignFramePath: python', () => {
  it('makes installed packages package-relative', () => {
    expect(py('/home/alice/.venv/lib/python3.11/site-packages/requests/sessions.py')).toBe('requests/sessions.py');
    expect(py('/usr/lib/python3/dist-packages/apt/cache.py')).toBe('apt/cache.py');
    expect(py('C:\\Users\\bob\\AppData\\Local\\Programs\\Python\\Python311\\Lib\\site-packages\\pip\\_internal\\main.py')).toBe('pip/_internal/main.py');
    expect(py('/usr/lib/python2.7/site-packages/foo-1.0-py2.7.egg/foo/bar.py')).toBe('foo/bar.py');
  });

  it('names the standard library `python:<module>`, frozen modules included', () => {
    expect(py('/usr/lib/python3.11/json/decoder.py')).toBe('python:json.decoder');
    expect(py('/root/.pyenv/versions/3.11.7/lib/python3.11/ctypes/__init__.py')).toBe('python:ctypes');
    expect(py('/opt/homebrew/Cellar/python@3.12/3.12.1/Frameworks/Python.framework/Versions/3.12/lib/python3.12/runpy.py')).toBe('python:runpy');
    expect(py('c:\\program files (x86)\\python38-32\\lib\\runpy.py')).toBe('python:runpy');
    expect(py('<frozen importlib._bootstrap>')).toBe('python:importlib._bootstrap');
    expect(py('<frozen runpy>')).toBe('python:runpy');
  });

  it('keeps pseudo-files and relative paths, is relative inside the root, a file name elsewhere', () => {
    expect(py('<string>')).toBe('<string>');
    expect(py('<stdin>')).toBe('<stdin>');
    expect(py('mytool/cli.py')).toBe('mytool/cli.py');
    expect(py('/home/alice/mytool/mytool/cli.py', '/home/alice/mytool')).toBe('mytool/cli.py');
    expect(py('/home/alice/.local/bin/pip3')).toBe('pip3');
    expect(py('../x/y.py')).toBe('y.py');
  });
});

describe('foreignFramePath: rust', () => {
  it('drops the standard library and keeps the compiler\'s own sources', () => {
    expect(rs('/rustc/59807616e1fa2540724bfbac14d7976d7e4a3860/library/core/src/panicking.rs')).toBeNull();
    expect(rs('library\\std\\src\\io\\stdio.rs')).toBeNull();
    expect(rs('src/libcore/result.rs')).toBeNull();
    expect(rs('/rustc/1c389ffeff814726dec325f0f2b0c99107df2673/compiler/rustc_session/src/utils.rs')).toBe('compiler/rustc_session/src/utils.rs');
  });

  it('makes registry and git dependencies crate-relative', () => {
    expect(rs('/home/alice/.cargo/registry/src/index.crates.io-6f17d22bba15001f/tiny-parse-0.3.1/src/lib.rs')).toBe('tiny-parse/src/lib.rs');
    expect(rs('.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/rustc_plugin-0.14.1-nightly-2025-08-20/src/cli.rs')).toBe('rustc_plugin/src/cli.rs');
    expect(rs('C:\\Users\\bob\\.cargo\\registry\\src\\github.com-1ecc6299db9ec823\\serde_json-1.0.108\\src\\de.rs')).toBe('serde_json/src/de.rs');
    expect(rs('/usr/share/cargo/registry/ripgrep-11.0.2/debian/cargo_registry/regex-1.2.1/src/exec.rs')).toBe('regex/src/exec.rs');
    expect(rs('/home/alice/.cargo/git/checkouts/tokio-377c595163f99a10/3f7a3a5/tokio/src/runtime/mod.rs')).toBe('tokio/tokio/src/runtime/mod.rs');
  });

  it('keeps relative paths without `./`, is relative inside the root, a file name elsewhere', () => {
    expect(rs('./src/report.rs')).toBe('src/report.rs');
    expect(rs('src/main.rs')).toBe('src/main.rs');
    expect(rs('/home/alice/ledger/src/main.rs', '/home/alice/ledger')).toBe('src/main.rs');
    expect(rs('/home/alice/ledger/src/main.rs')).toBe('main.rs');
    expect(rs('src/../../../etc/passwd')).toBe('passwd');
  });
});

describe('foreignFramePath: deno and bun', () => {
  it('names remote modules by host and path, without versions', () => {
    expect(foreignFramePath('deno', 'https://deno.land/std@0.99.0/fmt/colors.ts', null)).toBe('deno.land/std/fmt/colors.ts');
    expect(foreignFramePath('deno', 'https://user:pw@example.com/x/mod@v1.2.3/a.ts?token=1', null)).toBe('example.com/x/mod/a.ts');
    expect(foreignFramePath('deno', '/home/alice/.cache/deno/npm/registry.npmjs.org/chalk/5.3.0/source/index.js', null)).toBe('chalk/source/index.js');
    expect(foreignFramePath('deno', '/home/alice/.cache/deno/npm/registry.npmjs.org/@scope/pkg/1.0.0/lib/x.js', null)).toBe('@scope/pkg/lib/x.js');
  });

  it('treats local files as Node paths and drops Deno\'s own modules', () => {
    expect(foreignFramePath('deno', 'file:///home/alice/app/src/main.ts', '/home/alice/app')).toBe('src/main.ts');
    expect(foreignFramePath('deno', 'ext:core/01_core.js', null)).toBeNull();
    expect(foreignFramePath('bun', '/home/alice/app/node_modules/chalk/source/index.js', null)).toBe('chalk/source/index.js');
    expect(foreignFramePath('bun', '/home/alice/app/src/x.ts', '/home/alice/app')).toBe('src/x.ts');
  });
});

describe('isDroppedForeignFrame', () => {
  const frame = (fn: string | null, file: string | null = null) => ({ function: fn, file });
  it('drops the Go runtime and keeps the rest of the standard library', () => {
    for (const fn of ['runtime.gopanic', 'runtime/debug.Stack', 'runtime/internal/atomic.Load', 'internal/runtime/maps.fatal', 'panic']) {
      expect(isDroppedForeignFrame('go', frame(fn))).toBe(true);
    }
    for (const fn of ['sync.(*Once).Do', 'main.main', 'github.com/x/runtime.Start', 'encoding/json.Unmarshal']) {
      expect(isDroppedForeignFrame('go', frame(fn))).toBe(false);
    }
  });

  it('drops Rust\'s standard library and start-up glue', () => {
    for (const fn of ['std::panicking::begin_panic', 'core::result::unwrap_failed', '__rustc::rust_begin_unwind', 'rust_begin_unwind', 'main', '_start', '__libc_start_main', '<alloc::boxed::Box<F,A> as core::ops::function::FnOnce<Args>>::call_once', '<&dyn core::ops::function::Fn<()> as core::ops::function::FnOnce<()>>::call_once', '<unknown>']) {
      expect(isDroppedForeignFrame('rust', frame(fn))).toBe(true);
    }
    for (const fn of ['ledger::main', '<ledger::Account as core::fmt::Display>::fmt', 'tokio::runtime::Runtime::block_on', 'stdx::thing']) {
      expect(isDroppedForeignFrame('rust', frame(fn))).toBe(false);
    }
    expect(isDroppedForeignFrame('rust', frame(null, '/rustc/abc/library/std/src/rt.rs'))).toBe(true);
  });

  it('drops Deno\'s ext: modules, Bun\'s numbered built-ins and node:internal; nothing of Python', () => {
    expect(isDroppedForeignFrame('deno', frame('x', 'ext:deno_node/fs.ts'))).toBe(true);
    expect(isDroppedForeignFrame('bun', frame('loadAndEvaluateModule', '2'))).toBe(true);
    expect(isDroppedForeignFrame('node', frame('x', 'node:internal/main/run_main_module'))).toBe(true);
    expect(isDroppedForeignFrame('python', frame('_run_code', '<frozen runpy>'))).toBe(false);
  });
});

describe('foreignFramePath never returns an absolute path or a home directory', () => {
  const segment = fc.constantFrom('src', 'lib', 'pkg', 'mod', 'go', 'python3.11', 'site-packages', 'registry', 'index.crates.io-6f17d22bba15001f', 'x-1.2.3', 'a@v1.0.0', '..', '.', 'vendor', 'github.com', 'Lib', 'main.go', 'x.py', 'y.rs', '!q', 'node_modules', 'rustc', 'library');
  const path = fc.tuple(
    fc.constantFrom('/home/zqxuser/', 'C:\\Users\\zqxuser\\', '/Users/zqxuser/', '/tmp/zqxuser/', 'file:///home/zqxuser/'),
    fc.array(segment, { maxLength: 10 }),
    fc.constantFrom('/', '\\'),
  ).map(([head, segs, sep]) => head + segs.join(sep));

  it('for any runtime, any path, with or without a root', () => {
    fc.assert(
      fc.property(fc.constantFrom('go', 'python', 'rust', 'deno', 'bun', 'node', 'other'), path, fc.constantFrom(null, '/home/zqxuser/proj'), (runtime, file, root) => {
        const out = foreignFramePath(runtime, file, root);
        if (out === null) return;
        expect(out).not.toMatch(/^(\/|[A-Za-z]:|\\\\)/);
        expect(out).not.toContain('zqxuser');
        expect(out).not.toContain('\n');
      }),
      { numRuns: 2000 },
    );
  });

  it('and never throws on any string', () => {
    fc.assert(
      fc.property(fc.constantFrom('go', 'python', 'rust', 'deno', 'bun', 'node', ''), fc.string({ maxLength: 300 }), fc.option(fc.string({ maxLength: 50 })), (runtime, file, root) => {
        const out = foreignFramePath(runtime, file, root);
        expect(out === null || typeof out === 'string').toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});
