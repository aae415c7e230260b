import type { DatasetSampler, Example, SamplerCursor } from './ports.js';
import { Rng, deriveSeed } from './rng.js';

/**
 * Draws examples without replacement in a fresh seeded permutation per epoch; the permutation of an
 * epoch depends only on (seed, epoch), so a cursor {epoch, index} restores the exact stream.
 */
export class ShuffledDatasetSampler implements DatasetSampler {
  private epoch: number;
  private index: number;
  private order: number[];

  constructor(
    private readonly examples: readonly Example[],
    private readonly seed: number,
    cursor: SamplerCursor = { epoch: 0, index: 0 },
  ) {
    if (examples.length === 0) throw new Error('dataset is empty');
    if (
      !Number.isInteger(cursor.epoch) ||
      cursor.epoch < 0 ||
      !Number.isInteger(cursor.index) ||
      cursor.index < 0 ||
      cursor.index > examples.length
    ) {
      throw new Error(`invalid sampler cursor ${JSON.stringify(cursor)}`);
    }
    this.epoch = cursor.epoch;
    this.index = cursor.index;
    this.order = this.permutation(this.epoch);
  }

  get size(): number {
    return this.examples.length;
  }

  next(count: number): Example[] {
    const out: Example[] = [];
    while (out.length < count) {
      if (this.index >= this.order.length) {
        this.epoch += 1;
        this.index = 0;
        this.order = this.permutation(this.epoch);
      }
      out.push(this.examples[this.order[this.index++]!]!);
    }
    return out;
  }

  cursor(): SamplerCursor {
    return { epoch: this.epoch, index: this.index };
  }

  private permutation(epoch: number): number[] {
    return new Rng(deriveSeed(this.seed, 'dataset-epoch', epoch)).shuffled(this.examples.map((_, i) => i));
  }
}
