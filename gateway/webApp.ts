import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';

/** Where `npm install` (npm run build:web) writes the dashboard and GraphiQL. */
export const DEFAULT_WEB_ROOT = resolve(__dirname, '..', 'dashboard', 'dist');

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
};

// The dashboard's client-side routes: each answers index.html and the page draws itself.
const PAGE_ROUTES = /^\/(?:|sign-in|cells|hosts|instances(?:\/[0-9a-fA-F-]{36})?)\/?$/;
// Vite names built assets by content hash, so a name never changes meaning.
const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * Serves the built dashboard (`/` and its page routes, SPA-style) and GraphiQL
 * (`/graphiql`) from `root`, nothing outside it. Answers false for a path it does not
 * serve, so the caller's own 404 (or GraphQL) answers it.
 */
export function webApp(root: string = DEFAULT_WEB_ROOT) {
  const base = resolve(root);
  return async (req: IncomingMessage, res: ServerResponse, pathname: string): Promise<boolean> => {
    if (pathname === '/graphiql' || pathname === '/graphiql/') return page(res, base, 'graphiql.html', req);
    if (PAGE_ROUTES.test(pathname)) return page(res, base, 'index.html', req);
    if (!pathname.startsWith('/assets/') && !/^\/[\w.-]+\.(?:svg|ico|png|txt)$/.test(pathname)) return false;
    const file = inside(base, pathname);
    if (!file) return notFound(res);
    const body = await readFile(file).catch(() => null);
    if (!body) return notFound(res);
    res.statusCode = 200;
    res.setHeader('content-type', CONTENT_TYPES[extname(file)] ?? 'application/octet-stream');
    res.setHeader('cache-control', pathname.startsWith('/assets/') ? IMMUTABLE : 'no-cache');
    res.setHeader('x-content-type-options', 'nosniff');
    res.end(req.method === 'HEAD' ? undefined : body);
    return true;
  };
}

// The file a URL path names under `base`, or null when it would leave it (.., encoded
// separators, NUL) or cannot be decoded.
function inside(base: string, pathname: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\') || decoded.split('/').includes('..')) return null;
  const file = resolve(base, `.${decoded}`);
  return file.startsWith(base + sep) ? file : null;
}

async function page(res: ServerResponse, base: string, name: string, req: IncomingMessage): Promise<boolean> {
  const body = await readFile(resolve(base, name)).catch(() => null);
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('cache-control', 'no-cache');
  res.setHeader('content-type', CONTENT_TYPES['.html']);
  if (!body) {
    res.statusCode = 503;
    res.end(
      '<!doctype html><title>Cells</title><p>The dashboard is not built: run <code>npm run build:web</code>.</p>',
    );
    return true;
  }
  res.statusCode = 200;
  res.end(req.method === 'HEAD' ? undefined : body);
  return true;
}

function notFound(res: ServerResponse): true {
  res.statusCode = 404;
  res.setHeader('content-type', 'text/plain; charset=utf-8');
  res.end('not found');
  return true;
}
