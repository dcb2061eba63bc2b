import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

export const API_VERSION = '1.0.0';

/** Generates /openapi.json from the route schemas and serves Swagger UI at /docs. */
export async function installOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Majlis API',
        version: API_VERSION,
        description: [
          'Majlis is a self-hosted real-time chat server. This document is generated from the route schemas the server validates with.',
          '',
          'Authenticate with `Authorization: Bearer <access_token>` (or `X-Session-ID: <session token>` for isht-seed clients).',
          'Errors are RFC 9457 `application/problem+json` with a stable `code`; `detail` follows `Accept-Language` (en, ar, fa).',
          'Rate limits answer 429 with `Retry-After` and `RateLimit-*` headers.',
        ].join('\n'),
      },
      tags: [
        { name: 'auth', description: 'Accounts, login, sessions and tokens' },
        { name: 'users', description: 'Profiles, search, presence and blocks' },
        { name: 'chats', description: 'Direct chats, groups and membership' },
        { name: 'messages', description: 'Messages, files, receipts, reactions and search' },
        { name: 'realtime', description: 'The event stream without WebSockets (SSE, long poll); WebSocket and Socket.io are described in docs/REALTIME.md' },
        { name: 'admin', description: 'Administration (admin role)' },
        { name: 'operations', description: 'Health, readiness, metrics' },
      ],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
          sessionId: { type: 'apiKey', in: 'header', name: 'X-Session-ID' },
          apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        },
      },
      security: [{ bearer: [] }, { sessionId: [] }],
    },
    // Document the auth requirement each route declares in its config.
    transform: ({ schema, url, route }) => {
      const auth = (route.config as { auth?: string } | undefined)?.auth ?? (url.startsWith('/api/') ? 'user' : 'none');
      const transformed = { ...(schema as Record<string, unknown>) } as Record<string, unknown>;
      if (auth === 'none') {
        transformed.security = [];
      }
      return { schema: transformed as typeof schema, url };
    },
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    staticCSP: true,
    // Swagger UI sets a few inline styles; scripts stay 'self' only.
    // No upgrade-insecure-requests: self-hosted servers are often reached over plain http.
    transformStaticCSP: (header) =>
      header.replace("style-src 'self' https:", "style-src 'self' https: 'unsafe-inline'").replace(/\s*upgrade-insecure-requests;?/, ''),
    uiConfig: { deepLinking: true },
  });
  app.get('/openapi.json', { config: { auth: 'none', rateLimit: false }, schema: { hide: true } }, async () => app.swagger());
}
