/**
 * The gateway's log: pino, one JSON object a line (pretty when stdout is a
 * terminal), at `LOG_LEVEL` (default info). Passwords and authorization
 * never reach it (the one username it shows is the configured account's, at
 * start-up): nothing logs request bodies or headers, errors are logged as their type,
 * message, code and stack only (never a SOAP envelope or a request an error
 * object may carry), and pino's `redact` blanks authorization headers,
 * passwords, credentials and WS-Security headers wherever they are passed.
 */
import { GraphQLError } from 'graphql';
import pino, { type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Paths blanked in every line, at the top or one level down. */
const SECRETS = ['authorization', 'password', 'credentials', 'defaultCredentials', 'headers', 'wsse', 'Security', 'UsernameToken'];
const REDACT = SECRETS.flatMap((key) => [key, `*.${key}`]);

interface SafeError { type: string; message: string; code?: unknown; stack?: string; cause?: SafeError }

/** An error as the log may hold it. */
function safeError(error: unknown, depth = 0): SafeError | unknown {
  if (!(error instanceof Error)) return error;
  const code = error instanceof GraphQLError ? error.extensions?.code : (error as { code?: unknown }).code;
  const cause = error instanceof GraphQLError ? error.originalError : error.cause;
  return {
    type: error.name,
    message: error.message,
    ...(code === undefined ? {} : { code }),
    stack: error.stack,
    ...(cause instanceof Error && cause !== error && depth < 3 ? { cause: safeError(cause, depth + 1) as SafeError } : {}),
  };
}

export interface LoggerOptions {
  /** @default 'info' */
  level?: string;
  /** Where lines go; by default stdout, pretty when it is a terminal. */
  destination?: DestinationStream;
}

export function createLogger({ level = 'info', destination }: LoggerOptions = {}): Logger {
  if (!(LOG_LEVELS as readonly string[]).includes(level)) throw new Error(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}; got "${level}"`);
  const stream = destination ?? (process.stdout.isTTY ? pretty({ colorize: true, singleLine: true, sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' }) : pino.destination({ dest: 1, sync: true }));
  return pino({ level, redact: REDACT, serializers: { err: safeError } }, stream);
}

/** The process's logger, at LOG_LEVEL. */
export const loggerFromEnv = (env: NodeJS.ProcessEnv = process.env): Logger => createLogger({ level: env.LOG_LEVEL || 'info' });

/** Logs each line of `stream` (a child process's output) as a message of `logger`. */
export function logLines(stream: NodeJS.ReadableStream, logger: Logger, level: 'info' | 'warn' = 'info'): void {
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop()!;
    for (const line of lines) if (line.trim()) logger[level](line);
  });
  stream.on('end', () => {
    if (rest.trim()) logger[level](rest);
  });
}
