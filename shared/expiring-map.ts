// The one shape of every per-isolate memory here (verified tokens, template tokens, machine-token
// verdicts, ended sessions): an entry lapses at its own instant, and the map holds at most `max` entries,
// dropping the least recently set first. An isolate lives for many requests and an attacker picks the
// keys (the tokens), so nothing here may grow without bound.

/** `until` for an entry that never lapses: it leaves only when pushed out by newer ones. */
export const FOREVER = Number.POSITIVE_INFINITY;

export class ExpiringMap<K, V> {
  // Maps iterate in insertion order and set() re-inserts, so the first key is the least recently set.
  private readonly entries = new Map<K, { value: V; until: number }>();
  private readonly max: number;

  constructor(max: number) {
    this.max = max;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The value while `now` is before its `until`; a lapsed entry is dropped on the way. */
  get(key: K, now: number): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (now < entry.until) return entry.value;
    this.entries.delete(key);
    return undefined;
  }

  /** Remembers `value` until the instant `until` (same clock as `get`'s `now`), as the most recent entry. */
  set(key: K, value: V, until: number): void {
    this.entries.delete(key);
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { value, until });
  }

  delete(key: K): void {
    this.entries.delete(key);
  }
}
