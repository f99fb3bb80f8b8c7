// /api/v1/evidence: streamed uploads (raw body or multipart), the catalogue, verified downloads.
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import busboy from 'busboy';
import { create as contentDisposition } from 'content-disposition';
import type { Request } from 'express';
import type { ApiRouter } from '../platform/http/api-router.js';
import { PayloadTooLargeError, ValidationError } from '../platform/errors.js';
import { presentEvidence, type CaptureDetails, type EvidenceFilter, type EvidenceService } from './evidence-service.js';

const digestParams = {
  type: 'object',
  additionalProperties: false,
  required: ['digest'],
  properties: { digest: { type: 'string', pattern: '^[0-9a-f]{64}$' } },
} as const;

const owner = {
  belongsToType: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,31}$', description: 'What the item is evidence of, e.g. run, deviation, change' },
  belongsToId: { type: 'string', minLength: 1, maxLength: 128 },
} as const;

const uploadQuery = {
  type: 'object',
  additionalProperties: false,
  dependencies: { belongsToType: ['belongsToId'], belongsToId: ['belongsToType'] },
  properties: { ...owner, name: { type: 'string', minLength: 1, maxLength: 255, description: 'Original file name (raw uploads)' } },
} as const;

const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { ...owner, digest: digestParams.properties.digest, limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
} as const;

type UploadQuery = { belongsToType?: string; belongsToId?: string; name?: string };

export function registerEvidenceRoutes(api: ApiRouter, evidence: EvidenceService): void {
  api.add<unknown, UploadQuery>({
    method: 'post',
    path: '/api/v1/evidence',
    permission: 'evidence:write',
    tag: 'evidence',
    summary: 'Upload evidence, streamed: the raw body (any type), or exactly one file in multipart/form-data (400 multiple_files for more)',
    query: uploadQuery,
    streamBody: true,
    status: 201,
    handler: async ({ req, query, ctx }, res) => {
      if (Number(req.headers['content-length'] ?? 0) > evidence.store.maxBytes) {
        throw new PayloadTooLargeError(`The evidence is larger than ${evidence.store.maxBytes} bytes (GXPW_EVIDENCE_MAX_BYTES).`);
      }
      const belongsTo = query.belongsToType ? { type: query.belongsToType, id: query.belongsToId! } : null;
      const contentType = req.headers['content-type'] ?? 'application/octet-stream';
      // What the catalogue keeps is checked before a byte is stored: bad input changes nothing.
      const upload = async (source: Readable, details: CaptureDetails, beforeFiling?: () => Promise<void>) =>
        evidence.capture(ctx, source, { ...details, mediaType: checkedMediaType(details.mediaType, 'header.content-type'), originalName: checkedFileName(details.originalName ?? null) }, beforeFiling);
      const { item, deduplicated } = contentType.startsWith('multipart/form-data')
        ? await fromMultipart(req, evidence.store.maxBytes, (file, info, onlyFile) => upload(file, { mediaType: info.mimeType || 'application/octet-stream', originalName: info.filename ?? query.name ?? null, belongsTo }, onlyFile))
        : await upload(req, { mediaType: contentType, originalName: query.name ?? null, belongsTo });
      res.status(201).json({ ...presentEvidence(item), deduplicated });
    },
  });

  api.add<unknown, EvidenceFilter>({
    method: 'get',
    path: '/api/v1/evidence',
    permission: 'evidence:read',
    tag: 'evidence',
    summary: 'The evidence catalogue, by owner or digest',
    query: listQuery,
    handler: async ({ query }) => ({ evidence: (await evidence.list(query)).map(presentEvidence) }),
  });

  api.add<unknown, unknown, { digest: string }>({
    method: 'get',
    path: '/api/v1/evidence/:digest',
    permission: 'evidence:read',
    tag: 'evidence',
    summary: 'Download an item; its SHA-256 is re-checked first (409 and a security alert when the file changed)',
    params: digestParams,
    produces: ['application/octet-stream'],
    handler: async ({ params, ctx }, res) => {
      const { items, stream } = await evidence.openVerified(ctx, params.digest);
      const [first] = items;
      res.status(200);
      res.setHeader('Content-Type', first!.mediaType);
      res.setHeader('Content-Length', String(first!.size));
      res.setHeader('ETag', `"${params.digest}"`);
      res.setHeader('Repr-Digest', `sha-256=:${Buffer.from(params.digest, 'hex').toString('base64')}:`);
      // RFC 6266 with an RFC 8187 filename* and an ASCII filename= fallback for older clients.
      if (first!.originalName) res.setHeader('Content-Disposition', contentDisposition(first!.originalName));
      await pipeline(stream, res);
      return undefined;
    },
  });

  api.add<unknown, unknown, { digest: string }>({
    method: 'get',
    path: '/api/v1/evidence/:digest/verify',
    permission: 'evidence:read',
    tag: 'evidence',
    summary: 'Re-hash one item on disk: intact, changed or missing',
    params: digestParams,
    handler: async ({ params }) => {
      const items = await evidence.itemsOf(params.digest);
      return { digest: params.digest, status: await evidence.store.check(params.digest), items: items.map((i) => i.id) };
    },
  });
}

/** type/subtype with optional parameters (RFC 9110 §8.3.1), short enough for the catalogue. */
const MEDIA_TYPE = /^[A-Za-z0-9][\w!#$&^.+-]{0,126}\/[A-Za-z0-9][\w!#$&^.+-]{0,126}(\s*;\s*[\w!#$&^.+-]+=("[^"\\]*"|[\w!#$&^.+-]+))*$/;

function checkedMediaType(mediaType: string, field: string): string {
  if (mediaType.length > 255 || !MEDIA_TYPE.test(mediaType)) {
    throw new ValidationError('The media type is not a valid type/subtype of at most 255 characters.', [{ field, rule: 'format', message: 'must be a media type such as application/json' }], 'invalid_media_type');
  }
  return mediaType;
}

function checkedFileName(name: string | null): string | null {
  if (name !== null && (name.length > 255 || !name.trim())) {
    throw new ValidationError('The file name must have 1 to 255 characters.', [{ field: 'file.filename', rule: 'maxLength', message: 'at most 255 characters' }], 'invalid_file_name');
  }
  return name;
}

/**
 * Streams the file part of a multipart body into `onFile`. One upload is one item: a body with a
 * second file part is refused whole (400 multiple_files) — `onlyFile`, awaited before the first file
 * is put in place, waits for the end of the body and throws if another file came, so neither file is
 * stored (never one kept and the other silently dropped).
 */
function fromMultipart<T>(req: Request, maxBytes: number, onFile: (file: Readable, info: busboy.FileInfo, onlyFile: () => Promise<void>) => Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { files: 1, fields: 20, fileSize: maxBytes + 1 } });
    } catch (error) {
      reject(new ValidationError(`Not a multipart body: ${(error as Error).message}`, [], 'malformed_multipart'));
      return;
    }
    let result: Promise<T> | null = null;
    const malformed = (error: Error) => new ValidationError(`Malformed multipart body: ${error.message}`, [], 'malformed_multipart');
    // Settles when the whole body has been read: fine with one file, refused with more.
    const bodyRead = new Promise<void>((resolveBody, rejectBody) => {
      parser.on('filesLimit', () => {
        rejectBody(tooManyFiles());
      });
      parser.on('error', (error: Error) => rejectBody(malformed(error)));
      parser.on('close', () => resolveBody());
    });
    bodyRead.catch(() => undefined);
    parser.on('file', (_field, file, info) => {
      // A body cut off inside the file part errors this stream, possibly before onFile has piped it
      // anywhere (it checks the owner first); unhandled, that error would take the process down.
      file.on('error', (error: Error) => reject(malformed(error)));
      result = onFile(file, info, () => bodyRead);
      result.then(resolve, (error: unknown) => {
        file.resume();
        reject(error);
      });
    });
    parser.on('error', (error: Error) => reject(malformed(error)));
    parser.on('close', () => {
      if (!result) reject(new ValidationError('The multipart body holds no file.', [{ field: 'body', rule: 'required', message: 'must hold one file part' }], 'no_file'));
    });
    req.pipe(parser);
  });
}

function tooManyFiles(): ValidationError {
  return new ValidationError('Upload one file per request: this multipart body holds more than one file part, and none was stored.', [{ field: 'body', rule: 'maxFiles', message: 'must hold exactly one file part' }], 'multiple_files');
}
