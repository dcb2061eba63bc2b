import type { IncomingMessage } from 'node:http';
import { LANGUAGES, type Language } from '@majlis/protocol';
import accepts from 'accepts';

/** The caller's language for error details, from Accept-Language. */
export function languageOfRaw(req: IncomingMessage): Language {
  const best = accepts(req).language([...LANGUAGES]);
  return typeof best === 'string' ? (best as Language) : 'en';
}

/**
 * The access token of a socket handshake, from wherever this client could put it:
 * `Authorization: Bearer`, `?token=`, a Sec-WebSocket-Protocol entry (`bearer.<token>` or the
 * token itself, next to "majlis"), or (Socket.io) `auth.token` / the `access_token` header.
 */
export function tokenOf(req: IncomingMessage, url: URL, extra?: unknown): string | null {
  if (typeof extra === 'string' && extra !== '') {
    return extra;
  }
  const header = req.headers.authorization;
  const bearer = header ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : undefined;
  if (bearer) {
    return bearer;
  }
  const accessToken = req.headers.access_token;
  if (typeof accessToken === 'string' && accessToken !== '') {
    return accessToken.replace(/^Bearer\s+/i, '');
  }
  const query = url.searchParams.get('token');
  if (query) {
    return query;
  }
  const protocols = (req.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '' && p !== 'majlis');
  for (const p of protocols) {
    return p.startsWith('bearer.') ? p.slice('bearer.'.length) : p;
  }
  return null;
}

/** The session token of an isht-style client (X-Session-ID), if any. */
export function sessionTokenOf(req: IncomingMessage): string | null {
  const value = req.headers['x-session-id'];
  return typeof value === 'string' && value !== '' ? value : null;
}
