/**
 * Errors the storage layer raises to its caller. Corruption is distinct from I/O failure because the
 * operator's response differs: I/O errors (ENOSPC, EIO) are fixed on the host, corruption means this
 * member's copy of the log can no longer be trusted and must be rebuilt from the cluster.
 */

const REMEDY =
  'This member cannot safely rebuild its log on its own. Keep the data directory for inspection, remove ' +
  'the member from the cluster (baton ctl remove-member), start it with an empty data directory and re-add ' +
  'it: it will restore from the leader’s snapshot and log.';

export class StorageCorruptionError extends Error {
  override readonly name = 'StorageCorruptionError';
  constructor(
    /** The damaged file (absolute path). */
    readonly file: string,
    /** Byte offset of the first record that failed validation. */
    readonly offset: number,
    reason: string,
  ) {
    super(`storage corruption in ${file} at byte offset ${offset}: ${reason}. ${REMEDY}`);
  }
}

/** A write or sync failed. `code` carries the errno name (ENOSPC, EIO, …) when there is one. */
export class StorageIOError extends Error {
  override readonly name: string = 'StorageIOError';
  readonly code: string | undefined;
  constructor(message: string, cause: unknown) {
    const code = errnoCode(cause);
    super(`${message}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.code = code;
  }
}

export function errnoCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = (err as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

/**
 * The disk (or quota) is full. The WAL cut the partial write off, so it is consistent and the same batch can
 * be written again once there is room: the caller retries instead of giving up.
 */
export class StorageFullError extends StorageIOError {
  override readonly name = 'StorageFullError';
}

/** errno names meaning "no room": ENOSPC, EDQUOT (quota), EFBIG (file size limit). */
export const OUT_OF_SPACE_CODES: ReadonlySet<string> = new Set(['ENOSPC', 'EDQUOT', 'EFBIG']);
