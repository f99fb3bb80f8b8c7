// Every export is an audit event: who took which document of which record away, when, and the
// SHA-256 of the exact bytes they received (Part 11 §11.10(b)(e): accurate and complete copies,
// with a trail of who obtained them). The one mechanism every export uses — the audit CSV and
// report, the run evidence PDF, package PDFs and bundles:
//
//   generate → temporary file (hashed and counted while written) → `export.created` in its own
//   transaction → send that very file → delete it.
//
// Writing to a file first is what makes the digest honest: the event is committed before the first
// byte leaves, and it names the digest of the bytes that are then sent, not of a second rendering.
// A document that fails half-way is deleted and records nothing.
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { once } from 'node:events';
import { create as contentDisposition } from 'content-disposition';
import type { Response } from 'express';
import type { Database } from '../platform/database.js';
import { ensurePrivateDirectory } from '../platform/files.js';
import type { RequestContext } from '../platform/request-context.js';
import type { AuditTrail } from './audit-trail.js';

/** What to export and how to produce it. */
export interface ExportRequest {
  /** The record exported, as the audit event names it ('run', 'package', 'audit-trail', …). */
  entityType: string;
  entityId: string;
  /** 'pdf', 'csv', 'zip'. */
  format: string;
  contentType: string;
  /** The name the receiver saves it under (Content-Disposition). */
  fileName: string;
  /** What the export was asked for with (filters, options): recorded in the event. */
  filters?: Record<string, unknown>;
  /**
   * The document's bytes. A pdfkit document is a Readable: draw it (also asynchronously, with
   * `doc.destroy(error)` on failure) and `doc.end()`; a CSV can be an async generator of lines.
   */
  content(): Readable | AsyncIterable<string | Buffer>;
}

/** A finished export waiting to be sent: its file, digest and audit event. */
export interface ExportFile {
  path: string;
  fileName: string;
  contentType: string;
  sha256: string;
  bytes: number;
  /** Sequence number of its `export.created` audit event. */
  auditSeq: number;
  /** Deletes the temporary file (idempotent). */
  dispose(): Promise<void>;
}

/** Leftovers of a process that died between writing and sending are removed after this long. */
const STALE_AFTER_MS = 24 * 3_600_000;

export class AuditedExports {
  constructor(
    private readonly database: Database,
    private readonly audit: AuditTrail,
    /** Private to the server's account: documents of regulated records wait here (Annex 11 §12.1). */
    private readonly directory: string,
  ) {
    ensurePrivateDirectory(directory);
    removeStaleFiles(directory);
  }

  /**
   * Writes the document to a temporary file, digests it and records `export.created` in its own
   * transaction. The caller sends the file (`sendExport`) or copies it, then disposes of it.
   */
  async create(ctx: RequestContext, request: ExportRequest): Promise<ExportFile> {
    const file = path.join(this.directory, `${randomUUID()}.${request.format}.part`);
    const dispose = () => fsp.rm(file, { force: true });
    try {
      const hash = createHash('sha256');
      let bytes = 0;
      const digesting = new Transform({
        transform(chunk: Buffer | string, _encoding, done) {
          const buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
          hash.update(buffer);
          bytes += buffer.length;
          done(null, buffer);
        },
      });
      await pipeline(request.content(), digesting, fs.createWriteStream(file, { flags: 'wx', mode: 0o600 }));
      const sha256 = hash.digest('hex');
      const event = await this.database.write((tx) =>
        this.audit.record(tx, ctx, {
          action: 'export.created',
          entityType: request.entityType,
          entityId: request.entityId,
          change: 'event',
          after: { format: request.format, fileName: request.fileName, sha256, bytes, filters: request.filters ?? {} },
        }),
      );
      return { path: file, fileName: request.fileName, contentType: request.contentType, sha256, bytes, auditSeq: event.seq, dispose };
    } catch (error) {
      await dispose();
      throw error;
    }
  }
}

/**
 * Sends an export as a download and deletes its file afterwards, also when the client hangs up.
 * `Repr-Digest` (RFC 9530) carries the digest its audit event recorded.
 */
export async function sendExport(res: Response, file: ExportFile): Promise<void> {
  try {
    res.status(200);
    res.setHeader('Content-Type', file.contentType);
    res.setHeader('Content-Length', String(file.bytes));
    // RFC 6266 with an RFC 8187 filename* and an ASCII fallback.
    res.setHeader('Content-Disposition', contentDisposition(file.fileName));
    res.setHeader('Repr-Digest', `sha-256=:${Buffer.from(file.sha256, 'hex').toString('base64')}:`);
    res.setHeader('Cache-Control', 'no-store');
    // The file is opened, then removed at once: the bytes stream from the open descriptor, and no
    // copy of a regulated document lingers on disk while (or after) the client reads it.
    const source = fs.createReadStream(file.path);
    await once(source, 'open');
    await file.dispose();
    await pipeline(source, res);
  } finally {
    await file.dispose();
  }
}

function removeStaleFiles(directory: string): void {
  const cutoff = Date.now() - STALE_AFTER_MS;
  for (const name of fs.readdirSync(directory)) {
    if (!name.endsWith('.part')) continue;
    const file = path.join(directory, name);
    try {
      if (fs.statSync(file).mtimeMs < cutoff) fs.rmSync(file, { force: true });
    } catch {
      // Gone already (another instance swept it): nothing to do.
    }
  }
}
