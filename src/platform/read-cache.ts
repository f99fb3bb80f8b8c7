// Reads kept in memory for as long as the tables they come from have not changed. Each group of
// tables has a generation in `read_generations` that triggers move on every INSERT, UPDATE and
// DELETE (migration 0012), whoever makes it — this server, another instance, the CLI, a SQL client —
// so one primary-key read tells whether a kept result is still exactly what a fresh query would
// return. Nothing is served from memory without that check: a change is visible to the very next
// request, as if there were no cache.
import type { Database } from './database.js';

export type ReadGenerationGroup = 'registry';

interface Entry<V> {
  generation: number;
  value: V;
  weight: number;
}

export class ReadCache<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private weight = 0;

  /**
   * `maxWeight` bounds what is kept (the weight of a value is what `weigh` says, e.g. its rows);
   * the least recently used entries go first.
   */
  constructor(
    private readonly database: Database,
    private readonly group: ReadGenerationGroup,
    private readonly weigh: (value: V) => number,
    private readonly maxWeight: number,
  ) {}

  /**
   * The value kept for `key` if its tables have not changed since it was read, else `load()`'s,
   * kept. The generation is read before loading: a change committed meanwhile leaves the value
   * kept under the older generation, so the next request reloads it rather than keep it stale.
   * Kept values are frozen: a caller that changed one would change every later answer.
   */
  async get(key: string, load: () => Promise<V>): Promise<V> {
    const generation = await this.generation();
    const kept = this.entries.get(key);
    if (kept) {
      this.entries.delete(key);
      if (kept.generation === generation) {
        this.entries.set(key, kept);
        return kept.value;
      }
      this.weight -= kept.weight;
    }
    const value = deepFreeze(await load());
    if (generation === null) return value;
    const weight = Math.max(1, this.weigh(value));
    if (weight > this.maxWeight) return value;
    this.entries.set(key, { generation, value, weight });
    this.weight += weight;
    for (const [oldest, entry] of this.entries) {
      if (this.weight <= this.maxWeight) break;
      this.entries.delete(oldest);
      this.weight -= entry.weight;
    }
    return value;
  }

  /** The group's generation now; null (nothing kept) if the database has no counter for it. */
  private async generation(): Promise<number | null> {
    const rows = await this.database.read<{ generation: number | string }>('SELECT generation FROM read_generations WHERE name = ?', [this.group]);
    return rows[0] ? Number(rows[0].generation) : null;
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
