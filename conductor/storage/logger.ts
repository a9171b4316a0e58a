/** The logging surface the storage needs (pino-compatible: object first, message second). */
export interface StorageLogger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

/** Default when the caller passes none: warnings matter (torn tails, damaged snapshots), so keep them. */
export const stderrLogger: StorageLogger = {
  warn(obj, msg) {
    process.stderr.write(JSON.stringify({ level: 'warn', msg, ...obj }) + '\n');
  },
  info() {},
};
