// The v3 protocol's size for the rules' simulations (256 problems, n = 64, 3 seeds) and base
// rates of the v3 base's shape: mean 0.26, a third of the problems below 5%.
import { loadProtocol } from "../../lib/protocol/protocol_file.ts";

/** Per-problem success rates of a base shaped like v3's. */
export const BASE: number[] = Array.from({ length: 256 }, (_, i) => ((i + 0.5) / 256) ** 2.8);

const full = await loadProtocol("full");

/**
 * The full protocol at the v3 size with a given number of bootstrap resamples.
 *
 * @param resamples Bootstrap resamples.
 * @returns The protocol.
 */
export function v3Protocol(resamples: number): typeof full {
  return { ...full, seeds: [0, 1, 2], evaluation: { ...full.evaluation, samples: 64 }, resamples };
}
