import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import type { Kysely } from 'kysely';
import { AppError } from '../../http/problem.js';
import { problems } from '../../http/schemas.js';
import type { Clock } from '../../lib/clock.js';
import type { Database } from '../../storage/schema.js';
import { MessagesRepo } from '../messages/messages.repo.js';
import type { FileUrls, FileVariant } from './file-urls.js';
import { type FilesService, isInlineSafe } from './files.service.js';

const Params = Type.Object({ id: Type.String({ maxLength: 64 }) });
const Signed = Type.Object({ exp: Type.Integer(), sig: Type.String({ maxLength: 128 }) });

/** RFC 6266 Content-Disposition with an ASCII fallback and the UTF-8 name (Arabic and Persian names survive). */
function disposition(kind: 'inline' | 'attachment', name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/**
 * Chat files, served only through signed, expiring URLs (the signature is the proof of
 * membership: it is issued only to members). Anything a browser could run is a download.
 */
export const filesRoutes: FastifyPluginAsyncTypebox<{ db: Kysely<Database>; files: FilesService; urls: FileUrls; clock: Clock }> = async (app, { db, files, urls, clock }) => {
  const serve = (variant: FileVariant) => async (request: { params: { id: string }; query: { exp: number; sig: string } }, reply: FastifyReply) => {
    const { id } = request.params;
    if (!urls.verify(id, variant, request.query.exp, request.query.sig)) {
      throw new AppError('file_not_found');
    }
    const row = await new MessagesRepo(db).findFile(id);
    const key = row ? (variant === 'thumb' ? row.thumb_key : row.storage_key) : null;
    const file = key ? await files.open(key) : null;
    if (!row || !file) {
      throw new AppError('file_not_found');
    }
    const inline = variant === 'thumb' || isInlineSafe(row.mime);
    const maxAge = Math.max(0, Math.floor((request.query.exp - clock.now()) / 1000));
    return reply
      // text/plain is stored only for valid UTF-8 (see FilesService.ingest).
      .type(variant === 'thumb' ? 'image/webp' : !inline ? 'application/octet-stream' : row.mime === 'text/plain' ? 'text/plain; charset=utf-8' : row.mime)
      .header('content-length', file.size)
      .header('content-disposition', disposition(inline ? 'inline' : 'attachment', variant === 'thumb' ? `${row.name}.webp` : row.name))
      .header('cache-control', `private, max-age=${maxAge}`)
      .header('content-security-policy', "default-src 'none'; sandbox")
      .header('x-content-type-options', 'nosniff')
      .send(file.stream);
  };

  const schema = (summary: string) => ({
    tags: ['messages'],
    summary,
    params: Params,
    querystring: Signed,
    response: { 200: Type.Any({ description: 'The file' }), ...problems(400, 404) },
  });
  app.get('/uploads/files/:id', { config: { auth: 'none' }, schema: schema('A chat file (signed URL from a message’s file.url)') }, serve('file'));
  app.get('/uploads/files/:id/thumb', { config: { auth: 'none' }, schema: schema('A chat image’s thumbnail (signed URL)') }, serve('thumb'));
};
