import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';

/**
 * The console page: one HTML document with its CSS and script inlined (nothing loaded from elsewhere). The script is
 * TypeScript beside this file (console/main.ts and its modules), bundled for the browser once when the sandbox
 * starts; the HTML and CSS are plain files. The page is served with a Content-Security-Policy that allows exactly
 * that script and style (by hash) and requests to its own origin only, so even a rendering mistake could not run
 * injected script.
 */
const read = (name: string) => readFileSync(new URL(`./console/${name}`, import.meta.url), 'utf8');

function bundleScript(): string {
  const built = buildSync({
    entryPoints: [fileURLToPath(new URL('./console/main.ts', import.meta.url))],
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

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

export interface ConsolePage {
  html: string;
  contentSecurityPolicy: string;
}

export function buildConsolePage(): ConsolePage {
  const style = read('console.css');
  const script = bundleScript();
  const html = read('page.html')
    .replace('/*STYLE*/', () => style)
    .replace('/*SCRIPT*/', () => script);
  const contentSecurityPolicy = [
    "default-src 'none'",
    `script-src ${sha256(script)}`,
    `style-src ${sha256(style)}`,
    "img-src 'self'",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return { html, contentSecurityPolicy };
}

export function sendConsolePage(res: ServerResponse, page: ConsolePage): void {
  res.writeHead(200, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(page.html),
    'content-security-policy': page.contentSecurityPolicy,
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-store',
  });
  res.end(page.html);
}

/** A yellow "S", so the sandbox's browser tab is told apart from a real deployment's. */
const FAVICON =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#ffd200"/>' +
  '<text x="16" y="23" font-size="20" font-family="sans-serif" font-weight="700" text-anchor="middle" fill="#1d1c1d">S</text></svg>';

export function sendFavicon(res: ServerResponse): void {
  res.writeHead(200, {
    'content-type': 'image/svg+xml',
    'content-length': Buffer.byteLength(FAVICON),
    'cache-control': 'max-age=3600',
  });
  res.end(FAVICON);
}
