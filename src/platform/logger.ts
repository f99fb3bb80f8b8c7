// One pino logger for the process. Tests run it at 'silent' through configuration.
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'gxpw' }, timestamp: pino.stdTimeFunctions.isoTime });
}
