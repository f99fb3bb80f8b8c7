// `gxpw export package ID --pdf FILE --bundle FILE`: what an auditor takes away, from the server's
// shell or a CI pipeline. Each file is an audited export (its SHA-256 in an `export.created`
// event), exactly as the API's downloads are.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { ExportFile } from '../../audit/audited-export.js';
import { cliContext, jsonOption, UsageError, type Command } from '../command.js';
import { print, withProgress } from '../output.js';
import { withMigratedServices } from '../with-services.js';

export const command: Command = {
  name: 'export',
  summary: 'Export a validation package as its PDF and/or its offline-verifiable bundle (each an audited export)',
  usage:
    'gxpw export package ID [--pdf FILE] [--bundle FILE] [--json]\n\nID is the package id (GET /api/v1/packages). At least one of --pdf and --bundle. A bundle is\nchecked with `gxpw verify-bundle FILE`, offline. Progress shows on a terminal. Exit 0 when every\nfile was written, 1 when the export was refused (e.g. an evidence file is missing: it is named).',
  options: { pdf: { type: 'string' }, bundle: { type: 'string' }, ...jsonOption },
  run: async (values, positionals) => {
    const [kind, idText, ...rest] = positionals;
    if (kind !== 'package' || !idText || rest.length) throw new UsageError('give what to export: package ID');
    if (!/^[1-9]\d{0,9}$/.test(idText)) throw new UsageError(`'${idText}' is not a package id (a positive whole number)`);
    const targets = (['pdf', 'bundle'] as const).filter((flag) => typeof values[flag] === 'string');
    if (targets.length === 0) throw new UsageError('give --pdf FILE, --bundle FILE or both');
    for (const flag of targets) await assertWritable(flag, values[flag] as string);
    const id = Number(idText);
    return withMigratedServices(async (services) => {
      const written: Record<string, { file: string; sha256: string; bytes: number } | null> = { pdf: null, bundle: null };
      for (const flag of targets) {
        const destination = values[flag] as string;
        const exported: ExportFile = await withProgress(values, `Exporting package ${id} (${flag})`, (onProgress) =>
          services.packageExports[flag](cliContext(), id, (p) => onProgress(p.done, p.total)),
        );
        try {
          await fs.copyFile(exported.path, destination);
        } finally {
          await exported.dispose();
        }
        written[flag] = { file: path.resolve(destination), sha256: exported.sha256, bytes: exported.bytes };
      }
      const lines = targets.map((flag) => `${flag === 'pdf' ? 'PDF   ' : 'Bundle'} ${written[flag]!.file} (${written[flag]!.bytes} bytes, SHA-256 ${written[flag]!.sha256})`);
      print(values, { package: id, ...written }, lines.join('\n'));
      return 0;
    });
  },
};

/** A path that cannot be written is a usage error (exit 2), found before anything is exported. */
async function assertWritable(flag: string, file: string): Promise<void> {
  try {
    const existing = await fs.stat(file).catch(() => null);
    if (existing?.isDirectory()) throw new Error('it is a directory');
    await fs.access(existing ? file : path.dirname(path.resolve(file)), fs.constants.W_OK);
  } catch (error) {
    throw new UsageError(`--${flag} ${file} cannot be written: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}
