import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * The web client (packages/web, built by Vite into packages/web/dist) at `/`: its files, and
 * index.html for any other page a browser asks for (Accept: text/html) outside the server's own
 * paths (single-page app fallback). The server's paths are never shadowed: anything under them
 * that no route matched stays a problem+json 404, and API clients get that 404 everywhere.
 */
const SERVER_PATHS = ['/api', '/ws', '/socket.io', '/uploads', '/docs', '/openapi.json', '/healthz', '/readyz', '/metrics'];

/**
 * The page's CSP: helmet's default, plus blob: images (previews of files being sent) and
 * WebSocket connections back to this server (`'self'` covers ws: only in CSP Level 3 browsers).
 */
export const WEB_CLIENT_CSP = [
  "default-src 'self'",
  "base-uri 'self'",
  "script-src 'self'",
  "script-src-attr 'none'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "font-src 'self' data:",
  "connect-src 'self' ws: wss:",
  "object-src 'none'",
  "frame-ancestors 'self'",
  "form-action 'self'",
].join('; ');

/** packages/web/dist, from packages/server/src/http (tests) or packages/server/dist/http (built). */
export function defaultWebRoot(): string {
  return fileURLToPath(new URL('../../../web/dist/', import.meta.url));
}

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Majlis</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem; line-height: 1.5">
<h1>Majlis is running</h1>
<p>The web client is not built, so there is nothing to show here yet. Run <code>npm run build</code>
(<code>npm ci</code> does it too), then restart the server. The API is at <a href="/docs">/docs</a>.</p>
</body></html>
`;

function isServerPath(pathname: string): boolean {
  return SERVER_PATHS.some((prefix) => pathname === prefix || pathname.startsWith(`${prefix}/`));
}

/** The decoded path of a URL, or null when it does not decode. */
function pathOf(url: string): string | null {
  const raw = url.split('?')[0] ?? '/';
  try {
    return raw.includes('%') ? decodeURIComponent(raw) : raw;
  } catch {
    return null;
  }
}

/**
 * A router constraint that keeps the client's catch-all route off the server's paths: for them
 * the router finds no route at all, exactly as before the client was added, so the hooks that
 * look at unmatched URLs (the API-key check of /api and /ws) and the problem+json 404 still apply.
 * The router decodes `%xx` before matching, so this decodes too.
 */
const CONSTRAINT = 'majlisWebClient';

function serverPathConstraint(): Parameters<FastifyInstance['addConstraintStrategy']>[0] {
  return {
    name: CONSTRAINT,
    mustMatchWhenDerived: false,
    storage() {
      const stores = new Map<string, any>();
      return {
        get: (value: string) => stores.get(value) ?? null,
        set: (value: string, store: any) => {
          stores.set(value, store);
        },
      };
    },
    deriveConstraint(req: { url?: string | undefined }) {
      const pathname = pathOf(req.url ?? '/');
      return pathname === null || isServerPath(pathname) ? 'server' : 'client';
    },
  };
}

export interface WebClientOptions {
  /** The built client; packages/web/dist by default. */
  root?: string;
}

/** Serves the web client at `/` (see the top of this file). */
export async function installWebClient(app: FastifyInstance, options: WebClientOptions = {}): Promise<void> {
  const root = options.root ?? defaultWebRoot();
  await app.register(async (scope) => {
    const built = existsSync(join(root, 'index.html'));
    if (built) {
      // Only for reply.sendFile (content types, ETag, ranges, safe paths): the routes are ours.
      await scope.register(fastifyStatic, { root, serve: false });
    } else {
      scope.log.warn({ root }, 'the web client is not built: / shows a placeholder (run `npm run build`, then restart)');
    }
    // The page's CSP (helmet's, set earlier in onRequest, is replaced on these routes only).
    scope.addHook('onRequest', async (_request, reply) => {
      reply.header('content-security-policy', WEB_CLIENT_CSP);
    });

    const handler = async (request: FastifyRequest, reply: FastifyReply) => {
      const pathname = pathOf(request.url);
      if (pathname === null || isServerPath(pathname) || pathname.split('/').some((part) => part.startsWith('.'))) {
        return reply.callNotFound();
      }
      const looksLikeFile = /\.[A-Za-z0-9]+$/.test(pathname);
      // The app's own paths go to index.html for browsers (they ask for text/html); an API client
      // that mistypes a path still gets a problem+json 404.
      const page = pathname === '/' || pathname === '/index.html' || (!looksLikeFile && (request.headers.accept ?? '').includes('text/html'));
      if (!built) {
        return page ? reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(NOT_BUILT) : reply.callNotFound();
      }
      if (!page) {
        if (!looksLikeFile) {
          return reply.callNotFound();
        }
        // Vite names what it emits under /assets by content hash: cache those for good.
        const immutable = pathname.startsWith('/assets/');
        // The raw path: send decodes it (once) and refuses anything outside the root.
        const raw = (request.url.split('?')[0] ?? '/').slice(1);
        return reply.sendFile(raw, { maxAge: immutable ? 365 * 86_400_000 : 0, immutable, cacheControl: true });
      }
      // index.html for the app's own paths; never cached, so a new build is picked up at once.
      reply.header('cache-control', 'no-cache');
      return reply.sendFile('index.html', { cacheControl: false });
    };

    if (!app.hasConstraintStrategy(CONSTRAINT)) {
      app.addConstraintStrategy(serverPathConstraint());
    }
    const route = {
      config: { auth: 'none' as const, rateLimit: false as const },
      schema: { hide: true },
      constraints: { [CONSTRAINT]: 'client' },
    };
    scope.get('/', route, handler);
    scope.get('/*', route, handler);
  });
}
