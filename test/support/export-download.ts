// Downloads an export through the real app and reads it as its receiver would: the exact bytes
// (for their digest), and a PDF's text as an npm PDF library extracts it.
import { createHash } from 'node:crypto';
import type { Express } from 'express';
import { PDFParse } from 'pdf-parse';
import request from 'supertest';

export interface Download {
  status: number;
  headers: Record<string, string>;
  bytes: Buffer;
  sha256: string;
  /** The JSON error body when the answer is not a download. */
  body: any;
}

export async function download(app: Express, path: string, token: string): Promise<Download> {
  const response = await request(app)
    .get(path)
    .set('Authorization', `Bearer ${token}`)
    .buffer(true)
    .parse((res, done) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => done(null, Buffer.concat(chunks)));
    });
  const bytes = response.body as Buffer;
  const isJson = /json/.test(String(response.headers['content-type']));
  return { status: response.status, headers: response.headers as Record<string, string>, bytes, sha256: createHash('sha256').update(bytes).digest('hex'), body: isJson ? JSON.parse(bytes.toString('utf8')) : null };
}

/** The text of every page, pages joined by form feeds, and the page count. */
export async function pdfText(bytes: Buffer): Promise<{ text: string; pages: string[]; total: number }> {
  const parser = new PDFParse({ data: new Uint8Array(bytes) });
  try {
    const result = await parser.getText();
    return { text: result.pages.map((p) => p.text).join('\f'), pages: result.pages.map((p) => p.text), total: result.total };
  } finally {
    await parser.destroy();
  }
}

/** Text with every run of white space made one space: table cells wrap where the layout decides. */
export function flat(text: string): string {
  return text.replace(/\s+/g, ' ');
}
