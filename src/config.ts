// The only module that reads process.env. Every setting is parsed and checked here, and a bad
// setting stops the start with a message naming it (DESIGN.md §4). Tests build a Config from a
// plain object through the same function, so what they run is what production runs.
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The risk models shipped with the package (dist/src/config.js → ../../risk-models). */
const SHIPPED_RISK_MODELS = fileURLToPath(new URL('../../risk-models', import.meta.url));
/** The document and page templates shipped with the package (dist/src/config.js → ../../templates). */
const SHIPPED_TEMPLATES = fileURLToPath(new URL('../../templates', import.meta.url));

export type DatabaseConfig =
  | { dialect: 'sqlite'; storage: string; explicit: boolean }
  | { dialect: 'postgres'; url: string; schema: string | null };

export interface Config {
  host: string;
  port: number;
  /**
   * Where processes that do not listen themselves (`gxpw run`, `gxpw demo`) reach the server, for
   * environments given as `self:/path`; null: http://HOST:PORT. No trailing slash.
   */
  publicUrl: string | null;
  dataDir: string;
  keysDir: string;
  evidenceDir: string;
  /** Largest evidence item accepted (413 beyond). */
  evidenceMaxBytes: number;
  database: DatabaseConfig;
  demo: { enabled: boolean; password: string | null };
  /** Serve the reference simulators under /sim (on with the demo workspace unless set). */
  simulators: boolean;
  auth: {
    tokenTtlSeconds: number;
    sessionIdleSeconds: number;
    lockoutThreshold: number;
    passwordMinLength: number;
    /** 0 disables password aging. */
    passwordMaxAgeDays: number;
    /** log2 of scrypt's N. OWASP's recommendation (N=2^17, r=8, p=1) is the default. */
    scryptLogN: number;
    jwtSecret: string | null;
    /** Sign-in and password-change attempts per minute from one address. */
    loginRateLimitPerMinute: number;
    /** Signature attempts per minute from one address. */
    signingRateLimitPerMinute: number;
    /**
     * Hours a password the user chose after an administrator set theirs must age before it signs,
     * unless a second person approves it sooner (0: none; default 24, 0 with the demo workspace).
     */
    signingCooloffHours: number;
  };
  runner: {
    concurrency: number;
    stepTimeoutMs: number;
    maxResponseBytes: number;
    validationThreads: number;
    /** A queued or running run whose holder has not beaten for this long is aborted by recovery. */
    staleAfterSeconds: number;
  };
  /** Folder of risk model files (*.json), validated at start-up. */
  riskModelsDir: string;
  /** Handlebars templates: `documents/` holds the words of every generated PDF, edited without code. */
  templatesDir: string;
  web: {
    /** The time zone pages show times in until the browser or the user names theirs (IANA name). */
    timeZone: string;
  };
  signatures: {
    /** The meanings a signature can carry (Part 11 §11.50(a)(3)); record types pick from these. */
    meanings: string[];
  };
  audit: {
    checkpointEvery: number;
    /** 0 disables the timer; otherwise a checkpoint is taken this often when new events exist. */
    checkpointIntervalSeconds: number;
  };
  http: {
    bodyLimitBytes: number;
    /** Registry imports and contracts may be larger than ordinary requests. */
    importBodyLimitBytes: number;
    contractMaxBytes: number;
    trustProxy: boolean;
  };
  logLevel: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

export const DEFAULT_SIGNATURE_MEANINGS = ['authored', 'reviewed', 'approved', 'verified', 'executed', 'responsible'];

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Reads and validates the configuration; throws ConfigError listing every bad setting. */
export function loadConfig(env: Env = process.env, cwd = process.cwd()): Config {
  const problems: string[] = [];
  const read = new SettingReader(env, problems);

  const dataDir = path.resolve(cwd, read.string('GXPW_DATA_DIR', './data'));
  const demoEnabled = read.onOff('GXPW_DEMO', true);
  const config: Config = {
    host: read.string('HOST', '127.0.0.1'),
    port: read.integer('PORT', 3000, 0, 65535),
    publicUrl: read.httpUrl('GXPW_PUBLIC_URL'),
    dataDir,
    keysDir: path.join(dataDir, 'keys'),
    evidenceDir: path.resolve(cwd, read.string('EVIDENCE_DIR', './evidence')),
    evidenceMaxBytes: read.integer('GXPW_EVIDENCE_MAX_BYTES', 2 * 1024 ** 3, 1024, 1024 ** 4),
    database: parseDatabase(env, dataDir, cwd, problems),
    demo: {
      enabled: demoEnabled,
      password: read.optionalString('GXPW_DEMO_PASSWORD'),
    },
    simulators: read.onOff('GXPW_SIMULATORS', demoEnabled),
    auth: {
      tokenTtlSeconds: read.integer('GXPW_TOKEN_TTL_SECONDS', 900, 30, 900),
      sessionIdleSeconds: read.integer('GXPW_SESSION_IDLE_MINUTES', 30, 1, 24 * 60) * 60,
      lockoutThreshold: read.integer('GXPW_LOCKOUT_THRESHOLD', 5, 1, 100),
      passwordMinLength: read.integer('GXPW_PASSWORD_MIN_LENGTH', 12, 12, 256),
      passwordMaxAgeDays: read.integer('GXPW_PASSWORD_MAX_AGE_DAYS', 90, 0, 3650),
      scryptLogN: read.integer('GXPW_SCRYPT_LOG_N', 17, 10, 20),
      jwtSecret: read.optionalString('GXPW_JWT_SECRET'),
      loginRateLimitPerMinute: read.integer('GXPW_LOGIN_RATE_LIMIT_PER_MINUTE', 60, 1, 100_000),
      signingRateLimitPerMinute: read.integer('GXPW_SIGNING_RATE_LIMIT_PER_MINUTE', 30, 1, 100_000),
      // Part 11 §11.300: the real user has a day to notice that an administrator reset their password
      // (and the security alert raised for it) before a password chosen after it can sign.
      signingCooloffHours: read.integer('GXPW_SIGNING_COOLOFF_HOURS', demoEnabled ? 0 : 24, 0, 24 * 365),
    },
    runner: {
      concurrency: read.integer('GXPW_RUNNER_CONCURRENCY', 4, 1, 64),
      stepTimeoutMs: read.integer('GXPW_RUNNER_STEP_TIMEOUT_MS', 10_000, 100, 600_000),
      maxResponseBytes: read.integer('GXPW_RUNNER_MAX_RESPONSE_BYTES', 10 * 1024 * 1024, 1024, 1024 ** 3),
      // Worker threads that parse and validate message sets beside the event loop: one per core by default.
      validationThreads: read.integer('GXPW_RUNNER_VALIDATION_THREADS', Math.min(8, os.availableParallelism()), 1, 64),
      // The process holding a run refreshes its heartbeat every min(15 s, a quarter of this); recovery
      // (at start, and while serving every min(60 s, half of this)) aborts only runs silent longer than this.
      staleAfterSeconds: read.integer('GXPW_RUNNER_STALE_AFTER_SECONDS', 120, 2, 86_400),
    },
    riskModelsDir: path.resolve(cwd, read.string('GXPW_RISK_MODELS_DIR', SHIPPED_RISK_MODELS)),
    templatesDir: path.resolve(cwd, read.string('GXPW_TEMPLATES_DIR', SHIPPED_TEMPLATES)),
    web: {
      timeZone: read.string('GXPW_TIME_ZONE', 'UTC'),
    },
    signatures: {
      meanings: read.wordList('GXPW_SIGNATURE_MEANINGS', DEFAULT_SIGNATURE_MEANINGS),
    },
    audit: {
      checkpointEvery: read.integer('GXPW_AUDIT_CHECKPOINT_EVERY', 1000, 1, 1_000_000),
      checkpointIntervalSeconds: read.integer('GXPW_AUDIT_CHECKPOINT_INTERVAL_SECONDS', 300, 0, 86_400),
    },
    http: {
      bodyLimitBytes: read.integer('GXPW_BODY_LIMIT_BYTES', 1024 * 1024, 1024, 100 * 1024 * 1024),
      importBodyLimitBytes: read.integer('GXPW_IMPORT_BODY_LIMIT_BYTES', 32 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
      contractMaxBytes: read.integer('GXPW_CONTRACT_MAX_BYTES', 10 * 1024 * 1024, 1024, 100 * 1024 * 1024),
      trustProxy: read.onOff('GXPW_TRUST_PROXY', false),
    },
    logLevel: read.oneOf('LOG_LEVEL', 'info', LOG_LEVELS),
  };
  if (config.demo.password !== null && config.demo.password.length < config.auth.passwordMinLength) {
    problems.push(`GXPW_DEMO_PASSWORD: must be at least ${config.auth.passwordMinLength} characters`);
  }
  if (config.web.timeZone !== 'UTC' && !Intl.supportedValuesOf('timeZone').includes(config.web.timeZone)) {
    problems.push(`GXPW_TIME_ZONE: '${config.web.timeZone}' is not an IANA time zone name (e.g. Europe/Berlin, America/New_York, UTC)`);
  }
  if (config.auth.jwtSecret !== null && config.auth.jwtSecret.length < 32) {
    problems.push('GXPW_JWT_SECRET: must be at least 32 characters');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

function parseDatabase(env: Env, dataDir: string, cwd: string, problems: string[]): DatabaseConfig {
  const url = env.DATABASE_URL?.trim();
  const schema = env.GXPW_DB_SCHEMA?.trim() || null;
  if (schema !== null && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    problems.push('GXPW_DB_SCHEMA: must be a lower-case PostgreSQL identifier ([a-z_][a-z0-9_]*)');
  }
  if (!url) return { dialect: 'sqlite', storage: path.join(dataDir, 'gxpw.sqlite'), explicit: false };
  if (/^postgres(ql)?:\/\//.test(url)) {
    try {
      new URL(url);
    } catch {
      problems.push('DATABASE_URL: not a valid postgres:// URL');
    }
    return { dialect: 'postgres', url, schema };
  }
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length).replace(/^\/\//, '');
    if (file === '' || file.includes(':memory:')) {
      problems.push('DATABASE_URL: sqlite needs a file path (sqlite:path/to/file.sqlite); in-memory databases are not supported');
    }
    return { dialect: 'sqlite', storage: path.resolve(cwd, file), explicit: true };
  }
  problems.push('DATABASE_URL: must start with sqlite: or postgres://');
  return { dialect: 'sqlite', storage: path.join(dataDir, 'gxpw.sqlite'), explicit: false };
}

class SettingReader {
  constructor(
    private readonly env: Env,
    private readonly problems: string[],
  ) {}

  optionalString(name: string): string | null {
    const value = this.env[name];
    return value === undefined || value === '' ? null : value;
  }

  string(name: string, fallback: string): string {
    return this.optionalString(name) ?? fallback;
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const raw = this.optionalString(name);
    if (raw === null) return fallback;
    const value = Number(raw);
    if (!/^-?\d+$/.test(raw.trim()) || value < min || value > max) {
      this.problems.push(`${name}: must be a whole number from ${min} to ${max} (got '${raw}')`);
      return fallback;
    }
    return value;
  }

  onOff(name: string, fallback: boolean): boolean {
    const raw = this.optionalString(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (['on', 'true', '1', 'yes'].includes(raw)) return true;
    if (['off', 'false', '0', 'no'].includes(raw)) return false;
    this.problems.push(`${name}: must be on or off (got '${raw}')`);
    return fallback;
  }

  /** A comma-separated list of distinct lower-case words (letters and hyphens). */
  wordList(name: string, fallback: string[]): string[] {
    const raw = this.optionalString(name);
    if (raw === null) return fallback;
    const words = raw.split(',').map((w) => w.trim());
    const bad = words.filter((w) => !/^[a-z][a-z-]{0,31}$/.test(w));
    if (bad.length || new Set(words).size !== words.length) {
      this.problems.push(`${name}: must be distinct lower-case words (a-z and -, at most 32 characters) separated by commas (got '${raw}')`);
      return fallback;
    }
    return words;
  }

  /** An http(s) URL without query or fragment (a path prefix is kept), trailing slashes removed. */
  httpUrl(name: string): string | null {
    const raw = this.optionalString(name);
    if (raw === null) return null;
    let url: URL | null = null;
    try {
      url = new URL(raw);
    } catch {
      url = null;
    }
    if (!url || !['http:', 'https:'].includes(url.protocol) || url.search || url.hash || url.username || url.password) {
      this.problems.push(`${name}: must be an http:// or https:// URL without query, fragment or credentials (got '${raw}')`);
      return null;
    }
    return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
  }

  oneOf(name: string, fallback: string, allowed: string[]): string {
    const raw = this.optionalString(name);
    if (raw === null) return fallback;
    if (!allowed.includes(raw)) {
      this.problems.push(`${name}: must be one of ${allowed.join(', ')} (got '${raw}')`);
      return fallback;
    }
    return raw;
  }
}
