// Maps every error to the JSON error shape of DESIGN.md §6. Client mistakes become 4xx with a
// stable code; anything unexpected is a 500 whose correlation id is also in the log.
import type { NextFunction, Request, Response } from 'express';
import { BaseError as SequelizeBaseError, ForeignKeyConstraintError, UniqueConstraintError, ValidationError as SequelizeValidationError } from 'sequelize';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import { correlationIdOf } from './correlation.js';

interface BodyParserError {
  type?: string;
  status?: number;
  expose?: boolean;
  message?: string;
  limit?: number;
}

const BODY_PARSER_ERRORS: Record<string, { status: number; code: string; message: string }> = {
  'entity.parse.failed': { status: 400, code: 'malformed_json', message: 'The request body is not valid JSON.' },
  'entity.too.large': { status: 413, code: 'payload_too_large', message: 'The request body is larger than the server accepts.' },
  'encoding.unsupported': { status: 415, code: 'unsupported_encoding', message: 'The request body encoding is not supported.' },
  'charset.unsupported': { status: 415, code: 'unsupported_charset', message: 'The request body charset is not supported.' },
  'request.aborted': { status: 400, code: 'request_aborted', message: 'The request was aborted by the client.' },
  'request.size.invalid': { status: 400, code: 'request_size_invalid', message: 'The request body size does not match its Content-Length.' },
  'stream.encoding.set': { status: 500, code: 'internal_error', message: 'Internal error.' },
};

/** How a stream reports that the other end went away (node:net, node:stream, node:http). */
const CLIENT_ABORT_CODES = new Set(['ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ERR_STREAM_PREMATURE_CLOSE', 'ERR_STREAM_DESTROYED']);

/**
 * A client that hung up in the middle of an upload or a download: not our fault, so not an error in
 * the log (errors are what someone must look at). Only when the client's own connection is gone —
 * the same codes from the database or an endpoint a run calls are our faults and stay errors.
 */
function isClientAbort(error: unknown, req: Request, res: Response): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  const abortLike = (typeof code === 'string' && CLIENT_ABORT_CODES.has(code)) || message === 'aborted';
  return abortLike && (req.destroyed || res.destroyed || req.socket?.destroyed === true);
}

export function createErrorHandler(logger: Logger) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const correlationId = correlationIdOf(res);
    if (isClientAbort(error, req, res)) {
      logger.info({ correlationId, method: req.method, path: req.path, code: (error as { code?: string }).code ?? 'aborted' }, 'client aborted the request');
      res.destroy();
      return;
    }
    const { status, code, message, details } = classifyError(error);
    if (status >= 500) {
      logger.error({ err: error, correlationId, method: req.method, path: req.path }, 'unhandled error');
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.status(status).json({ error: { code, message, details, correlationId } });
  };
}

/** The status, code and message an error answers with (the pages render the same classification). */
export function classifyError(error: unknown): { status: number; code: string; message: string; details: unknown[] } {
  if (error instanceof AppError) {
    return { status: error.status, code: error.code, message: error.message, details: error.details };
  }
  const parserError = error as BodyParserError;
  if (parserError && typeof parserError.type === 'string' && BODY_PARSER_ERRORS[parserError.type]) {
    const known = BODY_PARSER_ERRORS[parserError.type]!;
    const details = parserError.limit ? [{ message: `limit is ${parserError.limit} bytes` }] : [];
    return { ...known, details };
  }
  // Both databases' append-only triggers say "append-only"; SQLite's arrives as a constraint error.
  if (error instanceof SequelizeBaseError && /append-only/.test(String((error as { parent?: Error }).parent?.message ?? error.message))) {
    return { status: 409, code: 'immutable_record', message: 'This record is append-only and cannot be changed or deleted.', details: [] };
  }
  if (error instanceof UniqueConstraintError) {
    return {
      status: 409,
      code: 'already_exists',
      message: 'A record with the same unique value already exists.',
      details: error.errors.map((e) => ({ field: e.path ?? undefined, message: e.message })),
    };
  }
  if (error instanceof ForeignKeyConstraintError) {
    return { status: 409, code: 'reference_violation', message: 'The request refers to a record that does not exist or is still referenced.', details: [] };
  }
  if (error instanceof SequelizeValidationError) {
    return {
      status: 400,
      code: 'validation_failed',
      message: 'The record is not valid.',
      details: error.errors.map((e) => ({ field: e.path ?? undefined, rule: e.validatorKey ?? undefined, message: e.message })),
    };
  }
  if (parserError && typeof parserError.status === 'number' && parserError.status >= 400 && parserError.status < 500 && !(error instanceof SequelizeBaseError)) {
    return { status: parserError.status, code: 'bad_request', message: parserError.expose ? String(parserError.message) : 'Bad request.', details: [] };
  }
  return { status: 500, code: 'internal_error', message: 'Internal error. Quote the correlation id when reporting it.', details: [] };
}
