// The words of generated documents come from templates a company edits: every one compiles at
// start, and a broken one stops the start naming its file and line (issue 13, bad input).
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DocumentTexts } from '../../src/documents/document-texts.js';
import { loadConfig } from '../../src/config.js';
import { StartupError } from '../../src/platform/errors.js';
import { createServices } from '../../src/services.js';

describe('document templates', () => {
  let dir: string;
  const write = (name: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(dir, 'documents', name)), { recursive: true });
    fs.writeFileSync(path.join(dir, 'documents', name), text);
  };
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gxpw-templates-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('loads every shipped template and renders the plan with a real context', () => {
    const texts = DocumentTexts.load(loadConfig({}).templatesDir);
    expect(texts.names()).to.include.members(['package/validation-plan', 'package/summary-report', 'package/release-statement', 'package/cover']);
    const plan = texts.render('package/validation-plan', {
      package: { key: 'VP-0009', title: 'Serial numbers to the trading partner', version: 1 },
      scope: [{ interfaceKey: 'IF-SER-TP-009', interfaceName: 'EPCIS', source: 'TraceLink', target: 'Partner', layer: 'integration-platform', pattern: 'rest-api', intendedUse: 'DSCSA reporting.', gxpRelevant: true, gampCategory: 4, contractVersion: 2, contractFormat: 'openapi', level: 'high', levelLabel: 'High process risk', testDepth: 'full' }],
      requiredSignatures: [{ meaning: 'approved', roles: ['qa'], source: 'every package' }],
      highRisk: true,
    });
    expect(plan).to.contain('IF-SER-TP-009: High process risk (level high), full testing.');
    expect(plan).to.contain('A second QA signer takes release responsibility');
  });

  it('refuses a template with a Handlebars syntax error at load, naming its file and line', () => {
    write('package/good.hbs', 'fine {{x}}');
    write('package/broken.hbs', 'line one\nline two\n{{#if x}}\nnever closed\n');
    expect(() => DocumentTexts.load(dir)).to.throw(StartupError, /document template .*package\/broken\.hbs:\d+: Expecting .*got 'EOF'/);
  });

  it('refuses a helper the workbench does not have, naming file and line', () => {
    write('cover.hbs', 'a\n\n{{shout title}}\n');
    expect(() => DocumentTexts.load(dir)).to.throw(StartupError, /cover\.hbs:3: .*unknown helper shout/);
  });

  it('names the template when a field it prints is missing (strict): no silently empty text in a signed document', () => {
    write('note.hbs', 'Released by {{approver.name}}.');
    const texts = DocumentTexts.load(dir);
    expect(() => texts.render('note', {})).to.throw(/document template 'note': "name" not defined/);
    expect(texts.render('note', { approver: { name: 'Quinn Quality' } })).to.equal('Released by Quinn Quality.');
  });

  it('stops the server from starting on a broken template, before the database opens', async () => {
    write('package/broken.hbs', '{{#each items}}\n');
    const config = loadConfig({ GXPW_TEMPLATES_DIR: dir, GXPW_DATA_DIR: path.join(dir, 'data') });
    try {
      await createServices(config);
      expect.fail('the start should have been refused');
    } catch (error) {
      expect(error).to.be.instanceOf(StartupError);
      expect((error as Error).message).to.match(/broken\.hbs:\d+/);
    }
    expect(fs.existsSync(path.join(dir, 'data', 'gxpw.sqlite')), 'no database was created').to.equal(false);
  });
});
