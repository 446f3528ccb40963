import { createRequire } from 'node:module';

type Esbuild = typeof import('esbuild');

/**
 * The sandbox console's script for the browser: its TypeScript modules bundled into one IIFE. esbuild is a
 * development dependency, loaded only when this runs (from source, or by `npm run build`), never in production.
 */
export function bundleConsoleScript(entryPoint: string, esbuild?: Esbuild): string {
  // The build passes its own: dist/ may be built outside the project, where no esbuild resolves.
  const { buildSync } = esbuild ?? (createRequire(import.meta.url)('esbuild') as Esbuild);
  const built = buildSync({
    entryPoints: [entryPoint],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    charset: 'utf8',
    legalComments: 'none',
    logLevel: 'silent',
  });
  const [output] = built.outputFiles;
  if (!output) throw new Error('esbuild produced no console script');
  return output.text;
}
