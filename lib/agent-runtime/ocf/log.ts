// Logging where Pacemaker and admins look: stderr (pacemaker-execd copies it into its log,
// ocf-tester and crm_resource show it), the file named by HA_LOGFILE, and syslog through
// `logger` when Pacemaker passes HA_LOGFACILITY. Nothing here runs on a quiet monitor.
import { appendFileSync } from 'node:fs';
import { runDetached } from '../sys/run.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'err';

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

const LEVEL_WORD: Record<LogLevel, string> = { debug: 'DEBUG', info: 'INFO', warn: 'WARNING', err: 'ERROR' };

export function createLogger(tag: string, env: NodeJS.ProcessEnv): Logger {
  const debugEnabled = env.HA_debug === '1' || env.HA_debug === 'true';
  const facility = env.HA_LOGFACILITY && env.HA_LOGFACILITY !== 'none' ? env.HA_LOGFACILITY : undefined;
  const logFile = env.HA_LOGFILE || undefined;

  const write = (level: LogLevel, message: string) => {
    if (level === 'debug' && !debugEnabled) return;
    const line = `${tag}: ${LEVEL_WORD[level]}: ${message}`;
    process.stderr.write(`${line}\n`);
    if (logFile) {
      try {
        appendFileSync(logFile, `${new Date().toISOString()} ${tag}[${process.pid}]: ${LEVEL_WORD[level]}: ${message}\n`);
      } catch {
        // A log file we cannot write must never fail the action.
      }
    }
    if (facility) runDetached('logger', ['-t', tag, '-p', `${facility}.${level}`, '--', message]);
  };

  return {
    debug: (m) => write('debug', m),
    info: (m) => write('info', m),
    warn: (m) => write('warn', m),
    error: (m) => write('err', m),
  };
}
