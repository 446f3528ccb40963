import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { bundleConsoleScript } from './consoleBundle.js';

/**
 * The console page: one HTML document with its CSS and script inlined (nothing loaded from elsewhere). The script is
 * TypeScript beside this file (console/main.ts and its modules), bundled for the browser by `npm run build`
 * (console/console.js in dist/, so a production install needs no esbuild) or, run from source, once when the sandbox
 * starts; the HTML and CSS are plain files. The page is served with a Content-Security-Policy that allows exactly
 * that script and style (by hash) and requests to its own origin only, so even a rendering mistake could not run
 * injected script.
 */
const read = (name: string) => readFileSync(new URL(`./console/${name}`, import.meta.url), 'utf8');

function consoleScript(): string {
  const prebuilt = new URL('./console/console.js', import.meta.url);
  if (existsSync(prebuilt)) return readFileSync(prebuilt, 'utf8');
  return bundleConsoleScript(fileURLToPath(new URL('./console/main.ts', import.meta.url)));
}

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

export interface ConsolePage {
  html: string;
  contentSecurityPolicy: string;
}

export function buildConsolePage(): ConsolePage {
  const style = read('console.css');
  const script = consoleScript();
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
