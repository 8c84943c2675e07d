import { describe, expect, it } from 'vitest';
import { parseRust, recogniseRust } from '../../src/traceback/rust.js';
import { type Expected, brief, describeCorpus, describeRobustness, framesOf, readSample } from './corpus/load.js';

/** What each corpus sample must give: standard-library and start-up frames dropped, hashes removed. */
const EXPECTED: Record<string, Expected> = {
  'ledger-index.txt': {
    kind: 'panic',
    errorClass: 'panic',
    frames: [
      ['ledger::report::print_row', './src/report.rs', 2],
      ['ledger::main', './src/main.rs', 24],
    ],
  },
  'ledger-display.txt': {
    kind: 'panic',
    errorClass: 'panic',
    frames: [
      ['<ledger::Account as core::fmt::Display>::fmt', './src/main.rs', 11],
      ['ledger::main', './src/main.rs', 25],
    ],
  },
  'ledger-dep.txt': {
    kind: 'panic',
    errorClass: 'panic',
    frames: [
      ['tiny_parse::Parser::number', '/tmp/wdgen/home/alice/.cargo/registry/src/index.crates.io-6f17d22bba15001f/tiny-parse-0.3.1/src/lib.rs', 7],
      ['tiny_parse::parse_all::{{closure}}', '/tmp/wdgen/home/alice/.cargo/registry/src/index.crates.io-6f17d22bba15001f/tiny-parse-0.3.1/src/lib.rs', 12],
      ['tiny_parse::parse_all', '/tmp/wdgen/home/alice/.cargo/registry/src/index.crates.io-6f17d22bba15001f/tiny-parse-0.3.1/src/lib.rs', 12],
      ['ledger::main', './src/main.rs', 26],
    ],
  },
  'ledger-thread.txt': {
    kind: 'panic',
    errorClass: 'panic',
    frames: [
      ['ledger::main', './src/main.rs', 29],
    ],
  },
  'ledger-nobt.txt': {
    kind: 'panic',
    errorClass: 'panic',
    frames: [
      [null, 'src/report.rs', 2],
    ],
  },
  'ledger-full.txt': {
    kind: 'panic',
    errorClass: 'panic',
    frames: [
      ['<ledger::Account as core::fmt::Display>::fmt', '/tmp/wdgen/rust/ledger/src/main.rs', 11],
      ['ledger::main', '/tmp/wdgen/rust/ledger/src/main.rs', 25],
    ],
  },
  'ledger-release.txt': {
    kind: 'panic',
    errorClass: 'panic',
    frames: [
      ['ledger::main', null, null],
    ],
  },
  'ledger-overflow.txt': { name: 'crash/stack-overflow' },
  'ledger-oom.txt': {
    kind: 'oom',
    errorClass: 'out of memory',
    frames: [
      ['ledger::main', './src/main.rs', 33],
    ],
  },
  'ripgrep-1.txt': {
    kind: 'panic',
    errorClass: 'panic',
    frames: [
      [null, '/Users/bram.geron/.cargo/registry/src/github.com-1ecc6299db9ec823/grep-matcher-0.1.5/src/lib.rs', 131],
    ],
  },
  'ripgrep-2.txt': {
    kind: 'panic',
    errorClass: 'panic',
    frames: [

    ],
  },
  'ripgrep-3.txt': {
    kind: 'panic',
    errorClass: 'panic',
    frames: [
      [null, '/usr/share/cargo/registry/ripgrep-11.0.2/debian/cargo_registry/regex-1.2.1/src/exec.rs', 1410],
    ],
  },
  'ripgrep-4.txt': {
    kind: 'panic',
    errorClass: 'panic',
    frames: [
      ['encoding_rs::utf_16::Utf16Decoder::decode_to_utf8_raw', null, null],
      ['encoding_rs::variant::VariantDecoder::decode_to_utf8_raw', null, null],
      ['encoding_rs::Decoder::decode_to_utf8_without_replacement', null, null],
      ['encoding_rs::Decoder::decode_to_utf8', null, null],
    ],
  },
  'cargo-modules-1.txt': {
    kind: 'panic',
    errorClass: 'panic',
    frames: [
      [null, '/cargo/registry/src/github.com-1ecc6299db9ec823/scoped-tls-0.1.1/src/lib.rs', 186],
    ],
  },
  'rustup-1.txt': {
    kind: 'panic',
    errorClass: 'panic',
    frames: [

    ],
  },
  'argus-1.txt': {
    kind: 'panic',
    errorClass: 'panic',
    frames: [
      ['rustc_plugin::cli::cli_main', null, null],
    ],
  },
  'cargo-callgraph-1.txt': {
    kind: 'panic',
    errorClass: 'panic',
    frames: [
      ['cargo_callgraph::extract_dependencies::extract_and_render_dependencies', './extract_dependencies.rs', 490],
      ['cargo_callgraph::core::run_global_ctxt::{{closure}}', './core.rs', 539],
      ['rustc_data_structures::profiling::VerboseTimingGuard::run', '/rustc/1c389ffeff814726dec325f0f2b0c99107df2673/compiler/rustc_data_structures/src/profiling.rs', 570],
      ['rustc_session::utils::<impl rustc_session::session::Session>::time', '/rustc/1c389ffeff814726dec325f0f2b0c99107df2673/compiler/rustc_session/src/utils.rs', 9],
      ['cargo_callgraph::core::run_global_ctxt', './core.rs', 536],
      ['cargo_callgraph::core::run_core::{{closure}}::{{closure}}::{{closure}}::{{closure}}', './core.rs', 474],
    ],
  },
  'helios-1.txt': {
    kind: 'panic',
    errorClass: 'panic',
    frames: [
      [null, 'src/main.rs', 2],
    ],
  },
  'hooked-channel.txt': {
    kind: 'panic',
    errorClass: 'panic',
    frames: [
      ['hooked::parse', './src/main.rs', 20],
      ['hooked::main', './src/main.rs', 25],
    ],
  },
};

describeCorpus('rust', 'rust', recogniseRust, parseRust, EXPECTED);

describe('parseRust details', () => {
  it('reads the three header shapes alike', () => {
    const headers = [
      "thread 'main' (4242) panicked at src/cli.rs:10:5:\nsecret message\nnote: run with `RUST_BACKTRACE=1` environment variable to display a backtrace",
      "thread 'main' panicked at src/cli.rs:10:5:\nsecret message\nnote: run with `RUST_BACKTRACE=1` environment variable to display a backtrace",
      "thread 'main' panicked at 'secret message', src/cli.rs:10:5\nnote: run with `RUST_BACKTRACE=1` environment variable to display a backtrace",
    ];
    for (const h of headers) {
      const crash = parseRust(h);
      expect(crash).toMatchObject({ kind: 'panic', errorClass: 'panic' });
      expect(framesOf(crash)).toEqual([{ file: 'src/cli.rs', function: null, line: 10, column: 5, enclosingLine: null, enclosingColumn: null }]);
      expect(JSON.stringify(crash)).not.toContain('secret');
    }
  });

  it('finds the location after a quoted message that spans lines and contains quotes', () => {
    const text = "thread 'main' panicked at 'it's bad', here', see\nline two, \"q\"', crates/x/src/lib.rs:7:9\n";
    expect(brief(framesOf(parseRust(text)))).toEqual([[null, 'crates/x/src/lib.rs', 7]]);
  });

  it('strips ::h<hash> suffixes and [hash] crate disambiguators', () => {
    const text = [
      "thread 'main' panicked at src/main.rs:3:5:",
      'boom',
      'stack backtrace:',
      '   0:     0x55d0c8e8c1b3 - std[e28293b1aa0f68bd]::panicking::begin_panic::h0123456789abcdef',
      '   1:     0x55d0c8e8c1b4 - <app[0123abcd]::Widget as app[0123abcd]::Draw>::draw::hfedcba9876543210',
      '                               at /home/u/app/src/widget.rs:40:9',
      '   2:     0x55d0c8e8c1b5 - app::main::h1111111111111111',
      '                               at /home/u/app/src/main.rs:3:5',
      '   3:     0x55d0c8e8c1b6 - main',
      '   4:     0x7f026d63f305 - __libc_start_main_impl',
      '   5:     0x55a7611f7691 - _start',
      '   6:                0x0 - <unknown>',
    ].join('\n');
    expect(brief(framesOf(parseRust(text)))).toEqual([
      ['<app::Widget as app::Draw>::draw', '/home/u/app/src/widget.rs', 40],
      ['app::main', '/home/u/app/src/main.rs', 3],
    ]);
  });

  it('keeps a user type\'s impl of a standard trait and drops a standard type\'s', () => {
    const text = [
      "thread 'main' panicked at src/main.rs:1:1:",
      'x',
      'stack backtrace:',
      '   0: <alloc::boxed::Box<F,A> as core::ops::function::FnOnce<Args>>::call_once',
      '   1: <&mut std::io::Stdout as std::io::Write>::write_fmt',
      '   2: <app::Config as core::str::FromStr>::from_str',
      '             at ./src/config.rs:12:20',
    ].join('\n');
    expect(brief(framesOf(parseRust(text)))).toEqual([['<app::Config as core::str::FromStr>::from_str', './src/config.rs', 12]]);
  });

  it('takes the last panic: the one that ended the program', () => {
    const frames = framesOf(parseRust(readSample('rust/ledger-thread.txt')));
    expect(frames).toHaveLength(1);
    expect(frames[0]).toMatchObject({ function: 'ledger::main', line: 29 });
  });

  it('gives crash/stack-overflow for a stack overflow and crash/oom for an allocation failure without frames', () => {
    expect(parseRust("\nthread 'main' has overflowed its stack\nfatal runtime error: stack overflow\n")).toEqual({ type: 'counter', name: 'crash/stack-overflow', runtime: 'rust', entry: null });
    expect(parseRust('memory allocation of 1024 bytes failed\n')).toEqual({ type: 'counter', name: 'crash/oom', runtime: 'rust', entry: null });
    expect(parseRust('fatal runtime error: Rust cannot catch foreign exceptions\n')).toMatchObject({ type: 'stack', kind: 'fatal runtime error', errorClass: null, frames: [] });
  });

  it('recognises panics, overflows, allocation failures and fatal runtime errors only', () => {
    expect(recogniseRust("thread 'main' is running\n")).toBe(false);
    expect(recogniseRust('the thread panicked at noon\n')).toBe(false);
    expect(recogniseRust('')).toBe(false);
    expect(recogniseRust(readSample('rust/ledger-overflow.txt'))).toBe(true);
  });
});

describeRobustness('rust', parseRust, recogniseRust, "thread 'main' panicked at src/main.rs:1:1:");
