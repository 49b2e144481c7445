// The analyzers that train models (slides 6, 7, 10, 11, 12, 13). Their signatures and
// result types (types.ts) are fixed: the plots, the CLI and the report already consume
// them. The bodies wait for the training core (layers, Sequential, fit; issue 3): until it
// lands each throws TrainingCoreMissing, which the report turns into a skipped section.
import type {
  ActivationPatternsOptions, ActivationPatternsResult, BenchmarkOptions, BenchmarkResult, CompareCnnOptions,
  CompareCnnResult, CompareTrainingOptions, CompareTrainingResult, TrainingDynamicsOptions, TrainingDynamicsResult,
  VanishingGradientsOptions, VanishingGradientsResult,
} from './types.js';

/** Thrown by an analyzer whose training core has not landed; the report skips its section. */
export class TrainingCoreMissing extends Error {
  constructor(readonly analyzer: string) {
    super(`actlab: ${analyzer} needs the training core (issue 3), which has not landed yet`);
    this.name = 'TrainingCoreMissing';
  }
}

/** Slide 6: trains the same MLP once per activation; history, test accuracy, training time. */
export async function compareTraining(options: CompareTrainingOptions): Promise<CompareTrainingResult> {
  throw new TrainingCoreMissing('compareTraining');
}

/** Slide 7: one layer's outputs for one test input, dense units on a grid or conv maps per filter. */
export async function activationPatterns(options: ActivationPatternsOptions): Promise<ActivationPatternsResult> {
  throw new TrainingCoreMissing('activationPatterns');
}

/** Slide 10: per-layer gradient norms of a deep, untrained MLP, and their max/min ratio. */
export async function vanishingGradients(options: VanishingGradientsOptions): Promise<VanishingGradientsResult> {
  throw new TrainingCoreMissing('vanishingGradients');
}

/** Slide 11: training time, inference time per sample, final validation accuracy, convergence rate. */
export async function benchmarkActivations(options: BenchmarkOptions): Promise<BenchmarkResult> {
  throw new TrainingCoreMissing('benchmarkActivations');
}

/** Slide 12: per epoch, one layer's mean/std/sparsity on a probe batch and every variable's gradient norm. */
export async function trainingDynamics(options: TrainingDynamicsOptions): Promise<TrainingDynamicsResult> {
  throw new TrainingCoreMissing('trainingDynamics');
}

/** Slide 13: the slide's CNN per activation with ReduceLROnPlateau; histories and test accuracy. */
export async function compareCnn(options: CompareCnnOptions): Promise<CompareCnnResult> {
  throw new TrainingCoreMissing('compareCnn');
}
