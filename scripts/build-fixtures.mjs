// Recompiles the TypeScript crash fixtures (their compiled output and source maps are committed,
// so running the fixtures needs no compiler). Run after editing fixtures/ts-*/src.
import { execFileSync } from 'node:child_process';
import { readdirSync, existsSync } from 'node:fs';

for (const name of readdirSync('fixtures')) {
  if (existsSync(`fixtures/${name}/tsconfig.json`)) {
    execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', `fixtures/${name}`], { stdio: 'inherit' });
    console.log(`compiled fixtures/${name}`);
  }
}
