// The evidence viewer and its download. An item is read through the same verified path the API's
// download uses (its SHA-256 re-checked first: a changed file is refused, audited and alerted), and
// shown as text — JSON pretty-printed, XML indented — or, for raster images, as an <img> of the
// download. Evidence is never rendered as HTML: SVG, HTML and anything else not a raster image is
// sent as an attachment, with nosniff (helmet) and a sandboxing CSP of its own.
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { create as contentDisposition } from 'content-disposition';
import type { Services } from '../services.js';
import type { PageRouter } from './page-router.js';
import { downloadsAsAttachment, EVIDENCE_PREVIEW_BYTES, evidenceKindOf, presentEvidenceView } from './run-views.js';

const digestParams = {
  type: 'object',
  additionalProperties: false,
  required: ['digest'],
  properties: { digest: { type: 'string', pattern: '^[0-9a-f]{64}$' } },
} as const;

type DigestParams = { digest: string };

/** The first `limit` bytes of a stream (and whether there was more); the stream is closed after. */
async function readPrefix(stream: Readable, limit: number): Promise<{ bytes: Buffer; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  try {
    for await (const chunk of stream) {
      const buffer = chunk as Buffer;
      chunks.push(buffer);
      size += buffer.length;
      if (size > limit) {
        truncated = true;
        break;
      }
    }
  } finally {
    stream.destroy();
  }
  return { bytes: Buffer.concat(chunks).subarray(0, limit), truncated };
}

export function registerEvidencePages(pages: PageRouter, services: Services): void {
  const { evidence } = services;

  pages.add<unknown, unknown, DigestParams>({
    method: 'get',
    path: '/evidence/:digest',
    permission: 'evidence:read',
    summary: 'An evidence item: its catalogue entries and its content shown by media type',
    params: digestParams,
    handler: async ({ params, ctx }) => {
      const { items, stream } = await evidence.openVerified(ctx, params.digest);
      const kind = evidenceKindOf(items[0]!.mediaType);
      const preview = kind === 'image' || kind === 'binary' ? (stream.destroy(), null) : await readPrefix(stream, EVIDENCE_PREVIEW_BYTES);
      const view = presentEvidenceView(items, preview);
      return {
        view: 'evidence/view',
        title: `Evidence ${view.digest.slice(0, 12)}`,
        model: { nav: 'runs', crumbs: view.items[0]?.href ? [{ href: '/runs', label: 'Runs' }, { href: view.items[0].href, label: view.items[0].belongsTo ?? 'Run' }] : null, evidence: view },
      };
    },
  });

  pages.add<unknown, unknown, DigestParams>({
    method: 'get',
    path: '/evidence/:digest/download',
    permission: 'evidence:read',
    summary: 'Download an evidence item (re-hashed first), as an attachment unless it is a raster image',
    params: digestParams,
    handler: async ({ params, ctx }, res) => {
      const { items, stream } = await evidence.openVerified(ctx, params.digest);
      const first = items[0]!;
      res.status(200);
      res.setHeader('Content-Type', first.mediaType);
      res.setHeader('Content-Length', String(first.size));
      res.setHeader('ETag', `"${params.digest}"`);
      res.setHeader('Repr-Digest', `sha-256=:${Buffer.from(params.digest, 'hex').toString('base64')}:`);
      // Whatever it is, it runs nothing if opened directly.
      res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
      const name = first.originalName ?? `evidence-${params.digest.slice(0, 12)}`;
      res.setHeader('Content-Disposition', contentDisposition(name, { type: downloadsAsAttachment(first.mediaType) ? 'attachment' : 'inline' }));
      await pipeline(stream, res);
      return undefined;
    },
  });
}
