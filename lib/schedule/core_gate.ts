/**
 * {@link CoreGate}: lets at most `cores` work items run at once across several schedulers (the
 * salvage study's bases share one machine), first come, first served. Each scheduler may then
 * keep a worker per core, so one base's items fill both cores while the others wait on their
 * phases, and no more items run than there are cores (no worker shares a core, so an item's wall
 * time is its core time).
 *
 * @module
 */

/** A counting semaphore over the machine's cores, first come, first served. */
export class CoreGate {
  readonly #cores: number;
  #busy = 0;
  readonly #waiting: (() => void)[] = [];

  /**
   * A gate over `cores` cores, all free.
   *
   * @param cores Items that may run at once (an integer >= 1).
   * @throws {RangeError} If cores is not an integer >= 1.
   */
  constructor(cores: number) {
    if (!Number.isInteger(cores) || cores < 1) {
      throw new RangeError(
        `Cannot create a core gate: cores must be an integer >= 1, got ${cores}`,
      );
    }
    this.#cores = cores;
  }

  /** Items that may run at once. */
  get cores(): number {
    return this.#cores;
  }

  /** Items running now. */
  get busy(): number {
    return this.#busy;
  }

  /**
   * Runs `work` once a core is free, and frees it when `work` settles (also on failure).
   *
   * @param work The item.
   * @returns What `work` returns.
   * @throws What `work` throws.
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * const gate = new CoreGate(1);
   * const order: string[] = [];
   * const item = (name: string) => gate.run(async () => { order.push(name); await Promise.resolve(); order.push(name); });
   * await Promise.all([item("a"), item("b")]);
   * assert.deepEqual(order, ["a", "a", "b", "b"]);
   * ```
   */
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.#busy >= this.#cores) {
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else {
      this.#busy++;
    }
    try {
      return await work();
    } finally {
      // Hand the core straight to the next waiter (busy stays), else free it.
      const next = this.#waiting.shift();
      if (next !== undefined) next();
      else this.#busy--;
    }
  }
}
