import { expect } from 'chai';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/config.js';
import { configuredSelfOrigin, resolveBaseUrl } from '../../src/scenarios/environment-reference.js';

describe('configuration', () => {
  it('has production defaults: port 3000, ./data, ./evidence, embedded SQLite, demo on, OWASP scrypt cost', () => {
    const config = loadConfig({}, '/srv/gxpw');
    expect(config.port).to.equal(3000);
    expect(config.dataDir).to.equal('/srv/gxpw/data');
    expect(config.keysDir).to.equal('/srv/gxpw/data/keys');
    expect(config.evidenceDir).to.equal('/srv/gxpw/evidence');
    expect(config.database).to.deep.equal({ dialect: 'sqlite', storage: '/srv/gxpw/data/gxpw.sqlite', explicit: false });
    expect(config.demo).to.deep.equal({ enabled: true, password: null });
    expect(config.simulators, 'simulators follow the demo').to.equal(true);
    expect(loadConfig({ GXPW_DEMO: 'off' }).simulators).to.equal(false);
    expect(loadConfig({ GXPW_DEMO: 'off', GXPW_SIMULATORS: 'on' }).simulators).to.equal(true);
    // OWASP password storage: scrypt N=2^17, r=8, p=1.
    expect(config.auth.scryptLogN).to.equal(17);
    expect(config.auth.tokenTtlSeconds).to.be.at.most(900);
    expect(config.auth.sessionIdleSeconds).to.equal(30 * 60);
    expect(config.auth.lockoutThreshold).to.equal(5);
    expect(config.auth.passwordMinLength).to.equal(12);
  });

  it('has a 24-hour signing cooling-off after an administrator set a password (0 with the demo workspace, 0 allowed, negative refused)', () => {
    expect(loadConfig({ GXPW_DEMO: 'off' }).auth.signingCooloffHours).to.equal(24);
    expect(loadConfig({}).auth.signingCooloffHours, 'the demo workspace').to.equal(0);
    expect(loadConfig({ GXPW_DEMO: 'off', GXPW_SIGNING_COOLOFF_HOURS: '0' }).auth.signingCooloffHours).to.equal(0);
    expect(loadConfig({ GXPW_SIGNING_COOLOFF_HOURS: '72' }).auth.signingCooloffHours).to.equal(72);
    expect(() => loadConfig({ GXPW_SIGNING_COOLOFF_HOURS: '-1' })).to.throw(ConfigError, /GXPW_SIGNING_COOLOFF_HOURS/);
    expect(() => loadConfig({ GXPW_SIGNING_COOLOFF_HOURS: 'a day' })).to.throw(ConfigError, /GXPW_SIGNING_COOLOFF_HOURS/);
  });

  it('reads every documented setting', () => {
    const config = loadConfig(
      {
        PORT: '8080',
        HOST: '0.0.0.0',
        GXPW_DATA_DIR: '/var/lib/gxpw',
        EVIDENCE_DIR: '/mnt/evidence',
        DATABASE_URL: 'postgres://gxpw@db:5432/gxpw',
        GXPW_DB_SCHEMA: 'workbench',
        GXPW_DEMO: 'off',
        GXPW_TOKEN_TTL_SECONDS: '600',
        GXPW_SESSION_IDLE_MINUTES: '15',
        GXPW_LOCKOUT_THRESHOLD: '3',
        GXPW_PASSWORD_MAX_AGE_DAYS: '0',
        GXPW_AUDIT_CHECKPOINT_EVERY: '50',
        LOG_LEVEL: 'warn',
      },
      '/',
    );
    expect(config).to.deep.include({ port: 8080, host: '0.0.0.0', dataDir: '/var/lib/gxpw', evidenceDir: '/mnt/evidence', logLevel: 'warn' });
    expect(config.database).to.deep.equal({ dialect: 'postgres', url: 'postgres://gxpw@db:5432/gxpw', schema: 'workbench' });
    expect(config.demo.enabled).to.equal(false);
    expect(config.auth).to.include({ tokenTtlSeconds: 600, sessionIdleSeconds: 900, lockoutThreshold: 3, passwordMaxAgeDays: 0 });
    expect(config.audit.checkpointEvery).to.equal(50);
  });

  it('finds the server for `self:` environments at GXPW_PUBLIC_URL, else at HOST:PORT (a wildcard HOST on loopback), and refuses a GXPW_PUBLIC_URL that is not http(s)', () => {
    expect(configuredSelfOrigin(loadConfig({}))).to.equal('http://127.0.0.1:3000');
    expect(configuredSelfOrigin(loadConfig({ HOST: '0.0.0.0', PORT: '3005' }))).to.equal('http://127.0.0.1:3005');
    expect(configuredSelfOrigin(loadConfig({ HOST: '::', PORT: '3005' }))).to.equal('http://[::1]:3005');
    expect(loadConfig({ GXPW_PUBLIC_URL: 'https://gxpw.example-pharma.internal/workbench/' }).publicUrl).to.equal('https://gxpw.example-pharma.internal/workbench');
    expect(configuredSelfOrigin(loadConfig({ PORT: '3005', GXPW_PUBLIC_URL: 'http://127.0.0.1:3007' }))).to.equal('http://127.0.0.1:3007');
    expect(resolveBaseUrl('self:/sim/wms', 'https://gxpw.example-pharma.internal/workbench')).to.equal('https://gxpw.example-pharma.internal/workbench/sim/wms');
    expect(resolveBaseUrl('https://val.example.internal/wms', 'http://127.0.0.1:3005')).to.equal('https://val.example.internal/wms');
    for (const bad of ['ftp://gxpw.example', 'gxpw.example:3000', 'http://gxpw.example/?x=1', 'http://user:secret@gxpw.example']) {
      expect(() => loadConfig({ GXPW_PUBLIC_URL: bad }), bad).to.throw(ConfigError, /GXPW_PUBLIC_URL: must be an http:\/\/ or https:\/\/ URL/);
    }
  });

  it('resolves a sqlite: DATABASE_URL against the working directory', () => {
    const config = loadConfig({ DATABASE_URL: 'sqlite:db/x.sqlite' }, '/work');
    expect(config.database).to.deep.equal({ dialect: 'sqlite', storage: path.resolve('/work/db/x.sqlite'), explicit: true });
  });

  it('refuses to start with a message naming every bad setting', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', GXPW_TOKEN_TTL_SECONDS: '3600', GXPW_DEMO: 'maybe', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud', GXPW_PASSWORD_MIN_LENGTH: '8' });
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of ['PORT', 'GXPW_TOKEN_TTL_SECONDS', 'GXPW_DEMO', 'DATABASE_URL', 'LOG_LEVEL', 'GXPW_PASSWORD_MIN_LENGTH']) expect(problems).to.include(`${name}:`);
    expect((error as ConfigError).problems).to.have.length(6);
  });

  it('has the six default signature meanings and reads a team’s own list', () => {
    expect(loadConfig({}).signatures.meanings).to.deep.equal(['authored', 'reviewed', 'approved', 'verified', 'executed', 'responsible']);
    expect(loadConfig({ GXPW_SIGNATURE_MEANINGS: 'authored, reviewed,approved,released-for-use' }).signatures.meanings).to.deep.equal(['authored', 'reviewed', 'approved', 'released-for-use']);
    for (const bad of ['approved,approved', 'Approved', 'approved,,reviewed', 'a b']) {
      expect(() => loadConfig({ GXPW_SIGNATURE_MEANINGS: bad }), bad).to.throw(ConfigError, /GXPW_SIGNATURE_MEANINGS/);
    }
  });

  it('refuses a demo password shorter than the password policy and a short JWT secret', () => {
    expect(() => loadConfig({ GXPW_DEMO_PASSWORD: 'short' })).to.throw(ConfigError, /GXPW_DEMO_PASSWORD/);
    expect(() => loadConfig({ GXPW_JWT_SECRET: 'tiny' })).to.throw(ConfigError, /GXPW_JWT_SECRET/);
  });

  it('refuses an in-memory SQLite database and a bad schema name', () => {
    expect(() => loadConfig({ DATABASE_URL: 'sqlite::memory:' })).to.throw(ConfigError, /DATABASE_URL/);
    expect(() => loadConfig({ DATABASE_URL: 'postgres://x/y', GXPW_DB_SCHEMA: 'Robert"; DROP' })).to.throw(ConfigError, /GXPW_DB_SCHEMA/);
  });
});
