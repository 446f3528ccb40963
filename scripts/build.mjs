// `npm run build`: src/ compiled to dist/ (tsconfig.build.json), then the files the code reads next to itself at run
// time (the sandbox console's page, script and stylesheet) copied to the same place under dist/. Folders read from
// the project root (migrations/, assets/) are found from dist/ as from src/: both sit one level below the root.
// The sandbox console's TypeScript (src/sandbox/console/) is bundled here into dist/sandbox/console/console.js, so
// production needs no esbuild (src/sandbox/consolePage.ts reads the bundle when it is there).
// Plain JavaScript so that it runs with nothing but Node and the TypeScript compiler.
import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');
// `--out-dir <folder>` builds elsewhere (the production-build test builds into a temporary folder).
const outDirAt = process.argv.indexOf('--out-dir');
const dist = outDirAt > 0 && process.argv[outDirAt + 1] ? resolve(process.argv[outDirAt + 1]) : join(root, 'dist');

// A module moved or deleted in src/ must not live on in dist/.
rmSync(dist, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json'), '--outDir', dist], { stdio: 'inherit' });

let copied = 0;
const copyAssets = (dir) => {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) copyAssets(path);
    else if (extname(entry.name) !== '.ts') {
      cpSync(path, join(dist, relative(src, path)));
      copied += 1;
    }
  }
};
copyAssets(src);
const { bundleConsoleScript } = await import(pathToFileURL(join(dist, 'sandbox', 'consoleBundle.js')).href);
writeFileSync(join(dist, 'sandbox', 'console', 'console.js'), bundleConsoleScript(join(src, 'sandbox', 'console', 'main.ts'), createRequire(import.meta.url)('esbuild')));
process.stdout.write(`built ${dist}/ (${copied} asset files copied from src/)\n`);
