// The workload's data for the entries (cli-entry.ts, page-entry.ts): the MNIST subset's IDX
// bytes, embedded in the bundle at bundle time (see fixtures.d.ts), identical everywhere.
import images from 'actlab-fixture:mnist-images';
import labels from 'actlab-fixture:mnist-labels';
import type { WorkloadInputs } from './determinism.js';

export const WORKLOAD_INPUTS: WorkloadInputs = { mnist: { images, labels } };
