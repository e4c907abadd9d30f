// Source of notebooks/01-sgd-mini-batch.ipynb (percent format; test/notebooks/build.ts builds the notebook).

// %% [markdown]
// # Mini-batch SGD, line by line
//
// Chapter 1 of Michael Nielsen's *Neural Networks and Deep Learning* trains a small network on handwritten
// digits with `network.py`: a `Network` class, `SGD`, `update_mini_batch` and `backprop`. This notebook runs
// the same code in TypeScript, one idea per cell, so you can hold the Python beside it and compare line by line.
//
// We use the 8×8 digits that scikit-learn ships (1797 images; `assets/digits.rst` says where they come from)
// instead of 28×28 MNIST, so every cell finishes in a second or two. The network is `[64, 30, 10]`: 64 pixels
// in, 30 hidden neurons, 10 outputs, one per digit.

// %%
import { Network, datasets, fit, leakNotes, nielsenSequential, plot, tf, type TrainingPair } from "tensorbook";

await tf.ready(); // tensorbook picks the backend as it loads; wait for it before the first tensor
leakNotes(false); // the networks below keep their tensors on purpose: no "tensors left allocated" notes

// training_data, test_data = mnist_loader.load_data_wrapper()   (network.py's loader, for MNIST)
const { training, test } = datasets.digits("assets/digits.csv.gz");
console.log(`${training.length} training pairs, ${test.length} test pairs`);

// %% [markdown]
// ## The data, in Nielsen's shapes
//
// Each training pair is `(x, y)`: `x` a column of 64 pixel values scaled to [0, 1], shape `(64, 1)`, and `y`
// the "vectorized result", a one-hot column of shape `(10, 1)` with a 1.0 at the digit. Test pairs keep the
// digit as a plain number, because `evaluate` only compares it with the network's argmax.

// %%
const [x0, y0] = training[0];
console.log("x:", x0.shape, " y:", y0.shape, " digit:", y0.argMax(0).dataSync()[0]);
// Ink dark on white, and row 0 at the top as in an image (plotly puts row 0 at the bottom).
const ink: [number, string][] = [[0, "rgb(255,255,255)"], [1, "rgb(0,0,0)"]];
plot.heatmap(x0.reshape([8, 8]), { title: "training[0]", colorscale: ink, width: 320, height: 300, layout: { yaxis: { autorange: "reversed" } } })

// %% [markdown]
// ## The network
//
// ```python
// class Network(object):
//     def __init__(self, sizes):
//         self.num_layers = len(sizes)
//         self.sizes = sizes
//         self.biases = [np.random.randn(y, 1) for y in sizes[1:]]
//         self.weights = [np.random.randn(y, x) for x, y in zip(sizes[:-1], sizes[1:])]
// ```
//
// `weights[l]` has shape `(y, x)`: one row per neuron of the next layer, one column per neuron of this one,
// so `w · a + b` is one matrix product. `seed` seeds numpy's generator the way `np.random.seed` would.

// %%
const net = new Network([64, 30, 10], { seed: 0 });
console.log("biases: ", net.biases.map((b) => b.shape));
console.log("weights:", net.weights.map((w) => w.shape));
console.log(`untrained: ${net.evaluate(test)} / ${test.length} test digits right`);

// %% [markdown]
// ## `update_mini_batch`, line by line
//
// ```python
// def update_mini_batch(self, mini_batch, eta):
//     nabla_b = [np.zeros(b.shape) for b in self.biases]
//     nabla_w = [np.zeros(w.shape) for w in self.weights]
//     for x, y in mini_batch:
//         delta_nabla_b, delta_nabla_w = self.backprop(x, y)
//         nabla_b = [nb+dnb for nb, dnb in zip(nabla_b, delta_nabla_b)]
//         nabla_w = [nw+dnw for nw, dnw in zip(nabla_w, delta_nabla_w)]
//     self.weights = [w-(eta/len(mini_batch))*nw for w, nw in zip(self.weights, nabla_w)]
//     self.biases = [b-(eta/len(mini_batch))*nb for b, nb in zip(self.biases, nabla_b)]
// ```
//
// - `nabla_b`, `nabla_w` start as zeros shaped like `self.biases` and `self.weights`: they collect ∂C/∂b and ∂C/∂w.
// - For each `(x, y)` in the mini-batch, `backprop` returns that one sample's gradient; we add it up.
// - Then one step downhill: every weight moves by `eta / len(mini_batch)` times the summed gradient, that
//   is `eta` times the *average* gradient over the mini-batch.
//
// The same function in TypeScript. `tf.tidy` frees the intermediate tensors (JavaScript has no reference
// counting to do it for us).

// %%
function updateMiniBatch(self: Network, miniBatch: TrainingPair[], eta: number): void {
  tf.tidy(() => {
    let nablaB = self.biases.map((b) => tf.zeros(b.shape));
    let nablaW = self.weights.map((w) => tf.zeros(w.shape));
    for (const [x, y] of miniBatch) {
      const { nablaB: deltaNablaB, nablaW: deltaNablaW } = self.backprop(x, y);
      nablaB = nablaB.map((nb, i) => nb.add(deltaNablaB[i]));
      nablaW = nablaW.map((nw, i) => nw.add(deltaNablaW[i]));
    }
    self.weights = self.weights.map((w, i) => w.sub(nablaW[i].mul(eta / miniBatch.length)));
    self.biases = self.biases.map((b, i) => b.sub(nablaB[i].mul(eta / miniBatch.length)));
  });
}

// %% [markdown]
// Does ours do what the library's does? Two networks from the same seed, one mini-batch of 10, `eta = 3.0`:
// one updated by the function above, one by `Network.updateMiniBatch` (which computes the same sum as one
// matrix product over the whole mini-batch). The weights should agree to float32 rounding.

// %%
const ours = new Network([64, 30, 10], { seed: 1 });
const library = new Network([64, 30, 10], { seed: 1 });
const miniBatch = training.slice(0, 10);
updateMiniBatch(ours, miniBatch, 3.0);
library.updateMiniBatch(miniBatch, 3.0);
const largestDifference = Math.max(...ours.weights.map((w, i) => w.sub(library.weights[i]).abs().max().dataSync()[0]));
console.log(`largest |Δw| between the two updates: ${largestDifference.toExponential(2)}`);

// %% [markdown]
// ## SGD: epochs of shuffled mini-batches
//
// ```python
// def SGD(self, training_data, epochs, mini_batch_size, eta, test_data=None):
//     for j in range(epochs):
//         random.shuffle(training_data)
//         mini_batches = [training_data[k:k+mini_batch_size] for k in range(0, n, mini_batch_size)]
//         for mini_batch in mini_batches:
//             self.update_mini_batch(mini_batch, eta)
//         if test_data:
//             print("Epoch {0}: {1} / {2}".format(j, self.evaluate(test_data), n_test))
// ```
//
// `net.SGD` takes the same arguments and prints the same lines. In a notebook it also draws the mean cost
// and the test accuracy after each epoch in a plot that redraws in place while the network trains, and a
// progress bar counting samples.

// %%
const history = await net.SGD(training, 15, 10, 3.0, test);

// %% [markdown]
// About 9 in 10 held-out digits right after a few seconds of training. The test digits were written by
// people the network never saw, which is why it does not reach 100%.
//
// ## A wrong eta, and what it does
//
// `eta` is the step size. Too small and each step barely moves the weights; too large and each step
// overshoots: the sigmoids saturate (their outputs stick at 0 or 1, where their slope is almost 0) and
// learning stalls. Same network, same seed, same data, three learning rates:

// %%
const runs: { [name: string]: number[] } = {};
for (const eta of [0.05, 3.0, 100.0]) {
  const trial = new Network([64, 30, 10], { seed: 0 });
  const trained = await trial.SGD(training, 10, 10, eta, test, { verbose: false, plot: false, progress: false });
  runs[`eta = ${eta}`] = trained.epochs.map((e) => e.accuracy ?? 0);
  trial.dispose();
}
plot.line(runs, { title: "test accuracy per epoch", xTitle: "epoch", yTitle: "accuracy" })

// %% [markdown]
// With `eta = 0.05` the network has learned little after 10 epochs (about a quarter of the digits right);
// with `eta = 100` the sigmoids saturate at once and it stays at chance, one digit in ten. Nielsen's advice holds: change eta by factors of 10 until the cost
// falls quickly and steadily, then refine.
//
// ## The same network with a TensorFlow.js optimizer
//
// Frameworks do not make you write `backprop`: they differentiate the cost for you. `nielsenSequential`
// builds the same `[64, 30, 10]` sigmoid network as a `tf.sequential` of dense layers (starting from the
// weights `Network` would draw with the same seed), and `fit` runs Nielsen's loop (shuffle, slice into
// mini-batches, step, evaluate) with `tf.train.sgd(eta)` doing each update on the same quadratic cost
// `C = ½‖a − y‖²`, averaged over the mini-batch.

// %%
const model = nielsenSequential([64, 30, 10], { seed: 0 });
model.summary();
const fitted = await fit(model, training, { epochs: 10, batchSize: 10, optimizer: tf.train.sgd(3.0), testData: test, seed: 0 });
console.log(`after 10 epochs, net.SGD:      ${(100 * (history.epochs[9].accuracy ?? 0)).toFixed(1)}% of the test digits right`);
console.log(`after 10 epochs, tf.train.sgd: ${(100 * (fitted.epochs[9].accuracy ?? 0)).toFixed(1)}%`);

// %% [markdown]
// The same accuracy: `optimizer.minimize` computed by automatic differentiation the gradients that
// `backprop` computes by hand. What `backprop` shows you is *why* they are what they are.
//
// **Try next:** a bigger hidden layer (`[64, 100, 10]`), a smaller mini-batch, or `eta = 0.5` for 30 epochs.
