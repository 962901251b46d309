import winston from 'winston';
import { startupLogLevel } from './settings/compile.ts';

/** JSON log lines on stderr; `SLOTFLOW_LOG_LEVEL` sets the level (default info, `silent` for none). */
const level = startupLogLevel();

export const log = winston.createLogger({
  level: level === 'silent' ? 'error' : level,
  silent: level === 'silent',
  format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
  transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'] })],
});
