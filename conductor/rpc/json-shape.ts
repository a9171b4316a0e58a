/**
 * Limits on a JSON body's shape, checked on the raw bytes as they arrive, before anything is parsed.
 * JSON.parse runs on the event loop that also drives Raft: a 31 MB array of small numbers takes ~0.8 s
 * to parse here and a 10 MB run of nested brackets ~1.7 s — past the heartbeat timeout, costing the
 * leader its lease. What op-node legitimately sends is shallow (an envelope nests 5 deep) and made of few,
 * long hex strings (a 10 MB envelope has some thousands of values), so a body deeper than `maxDepth` or with
 * more than `maxValues` values is refused while it streams in: scanning costs ~1.5 ms per MB and stops at
 * the first excess.
 */
export interface JsonShapeLimits {
  readonly maxDepth: number;
  readonly maxValues: number;
}

/** Deep enough for any JSON-RPC request or batch op-node, op-batcher or tooling sends; generous on values. */
export const DEFAULT_JSON_SHAPE_LIMITS: JsonShapeLimits = { maxDepth: 64, maxValues: 250_000 };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;
const COMMA = 0x2c;

/** Fed chunk by chunk; `excess` names the first limit the body broke (null while within them). */
export class JsonShapeGuard {
  private depth = 0;
  /** Values begun: one per opening bracket and per comma (a close approximation, never an undercount). */
  private values = 1;
  private inString = false;
  private escaped = false;
  excess: string | null = null;

  constructor(private readonly limits: JsonShapeLimits = DEFAULT_JSON_SHAPE_LIMITS) {}

  feed(chunk: Uint8Array): void {
    if (this.excess !== null) return;
    const { maxDepth, maxValues } = this.limits;
    // Where the next backslash is (-1: none in the rest of the chunk), found natively and only when passed.
    let nextBackslash = -2;
    for (let i = 0; i < chunk.length; i++) {
      if (this.inString) {
        if (this.escaped) {
          this.escaped = false;
          continue;
        }
        // Strings are most of an envelope (megabytes of hex): jump to the next quote or backslash with a
        // native search instead of looking at every byte.
        if (nextBackslash !== -1 && nextBackslash < i) nextBackslash = chunk.indexOf(BACKSLASH, i);
        const quote = chunk.indexOf(QUOTE, i);
        const stop =
          quote === -1 ? nextBackslash : nextBackslash === -1 ? quote : Math.min(quote, nextBackslash);
        if (stop === -1) return; // the chunk ends inside the string, with no escape pending
        i = stop;
        if (chunk[i] === BACKSLASH) this.escaped = true;
        else this.inString = false;
        continue;
      }
      const c = chunk[i]!;
      if (c === QUOTE) {
        this.inString = true;
      } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
        if (++this.depth > maxDepth) {
          this.excess = `JSON nested deeper than ${maxDepth} levels`;
          return;
        }
        this.values++;
      } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
        this.depth--;
      } else if (c === COMMA && ++this.values > maxValues) {
        this.excess = `JSON with more than ${maxValues} values`;
        return;
      }
    }
  }
}
