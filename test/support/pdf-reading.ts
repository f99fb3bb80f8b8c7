// Reading generated PDFs back in tests: the bytes a renderer wrote, the text of each page as a
// reader's tool extracts it (pdf-parse, on pdf.js), and the document outline.
import { PassThrough, type Writable } from 'node:stream';
import { PDFParse } from 'pdf-parse';
import { PageFrame, type PageFrameOptions } from '../../src/documents/page-frame.js';
import { PdfOutput, createPdfDocument, type Doc, type PdfDocumentOptions } from '../../src/documents/pdf-document.js';

/** Collects what a renderer writes into `out`. */
export async function collect(render: (out: Writable) => Promise<unknown>): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (chunk: Buffer) => chunks.push(chunk));
  await render(out);
  return Buffer.concat(chunks);
}

export interface PdfText {
  pages: string[];
  text: string;
  outline: Array<{ title: string; items: Array<{ title: string }> }>;
  info: Record<string, unknown>;
}

/** The text of every page (in page order) and the outline, as pdf.js reads them. */
export async function readPdf(bytes: Buffer): Promise<PdfText> {
  const parser = new PDFParse({ data: new Uint8Array(bytes) });
  try {
    const text = await parser.getText();
    const info = await parser.getInfo();
    return {
      pages: text.pages.map((p) => p.text),
      text: text.text,
      outline: (info.outline ?? []) as PdfText['outline'],
      info: (info.info ?? {}) as Record<string, unknown>,
    };
  } finally {
    await parser.destroy();
  }
}

export const DOCUMENT_OPTIONS: PdfDocumentOptions = { title: 'Test document', author: 'Test Author', subject: 'A test', createdAt: '2026-12-06T10:00:00.000Z' };

/** A framed document drawn by `draw`, returned as bytes. */
export async function renderFramed(draw: (doc: Doc, frame: PageFrame) => void | Promise<void>, frame: Partial<PageFrameOptions> = {}, options: Partial<PdfDocumentOptions> = {}): Promise<Buffer> {
  return collect(async (out) => {
    const doc = createPdfDocument({ ...DOCUMENT_OPTIONS, ...options });
    const output = new PdfOutput(doc, out);
    const pageFrame = new PageFrame(doc, { title: 'Test document', documentId: 'DOC-1 v1', draft: false, ...frame });
    doc.addPage();
    await draw(doc, pageFrame);
    pageFrame.finish();
    await output.finished;
  });
}
