// Frees backpropagation's memory as it goes instead of at the end of the backward pass.
//
// tfjs-core's engine.gradients walks the tape from the loss back to the weights and keeps two
// things alive until the walk ends: the gradient of every intermediate activation (each as
// large as the activation) and the forward tensors every kernel saved for its gradient. Both
// are finished with as soon as the kernel that produced the activation has been processed, so
// a training step's peak held the whole forward tape plus a gradient for each tensor on it:
// EfficientNet-B0 at 224x224, batch 32, peaked at 7.4 GB of tensors for a 3.9 GB tape, and
// B5..B7 could not train in 24 GB. Here, when the walk reaches a kernel, the previous kernel's
// output gradients and saved tensors are disposed (each exactly once; tfjs' own disposal at the
// end then finds them disposed and skips them).
//
// What is never disposed early: a gradient tensor that was also handed on as another tensor's
// gradient (a gradient function may return its dy unchanged), a saved tensor a gradient
// function returned, the caller's own `dy` (created before the pass began), and anything of a
// nested gradients() call (higher-order gradients keep the tape, as tfjs does). The patch is on
// the engine object, so it covers every backend; it changes when memory is freed, never a
// value computed.
import type * as tfTypes from '@tensorflow/tfjs';

type Tf = typeof tfTypes;
type Tensor = tfTypes.Tensor;
type GradientThunks = Record<string, () => Tensor>;

/** The tape node as tfjs-core's engine builds it (engine.addTapeNode). */
interface TapeNode {
  inputs: Record<string, Tensor>;
  outputs: Tensor[];
  saved?: Tensor[];
  gradient?: (dys: (Tensor | null)[]) => GradientThunks;
}

/** The parts of tfjs-core's Engine this patch touches (internal API of tfjs-core 4.x). */
interface EngineInternals {
  state: { activeTape: TapeNode[] | null; gradientDepth: number };
  addTapeNode(...args: unknown[]): void;
  gradients(...args: unknown[]): unknown;
  nextTensorId(): number;
}

/** One top-level backward pass in progress. */
interface Pass {
  /** Tensors with a larger id were made during this pass; the caller's dy has a smaller one. */
  firstId: number;
  /** Every tensor a gradient function returned, with the ids of the tensors it is the gradient of. */
  returnedFor: Map<Tensor, Set<number>>;
  /** The last kernel processed: freed when the walk moves on. */
  previous?: { dys: (Tensor | null)[]; outputs: Tensor[]; saved: Tensor[] };
}

const patched = new WeakSet<object>();

/** Installs early release on `tf`'s engine (once per engine). */
export function releaseBackpropMemoryEarly(tf: Tf): void {
  const engine = tf.engine() as unknown as EngineInternals;
  if (patched.has(engine)) return;
  if (typeof engine.addTapeNode !== 'function' || typeof engine.gradients !== 'function' || !engine.state) return;
  patched.add(engine);
  let pass: Pass | undefined;

  const addTapeNode = engine.addTapeNode.bind(engine);
  engine.addTapeNode = (...args: unknown[]): void => {
    addTapeNode(...args);
    const tape = engine.state.activeTape;
    const node = tape?.[tape.length - 1];
    const inner = node?.gradient;
    if (!node || !inner) return;
    node.gradient = (dys) => {
      const current = pass;
      if (!current) return inner(dys);
      freePrevious(current);
      const thunks = inner(dys);
      const recorded: GradientThunks = {};
      for (const [input, thunk] of Object.entries(thunks)) {
        recorded[input] = () => {
          const dx = thunk();
          const of = node.inputs[input]?.id ?? -1;
          const ids = current.returnedFor.get(dx);
          if (ids) ids.add(of);
          else current.returnedFor.set(dx, new Set([of]));
          return dx;
        };
      }
      current.previous = { dys, outputs: node.outputs, saved: node.saved ?? [] };
      return recorded;
    };
  };

  const gradients = engine.gradients.bind(engine);
  engine.gradients = (...args: unknown[]): unknown => {
    // A call inside another pass (a gradient taken inside f: a gradient of a gradient) keeps
    // tfjs' behaviour: the outer pass is set aside meanwhile, so the inner walk frees nothing
    // of the outer one's. (tfjs itself cannot take a gradient inside a gradient function.)
    if (pass) {
      const outer = pass;
      pass = undefined;
      try {
        return gradients(...args);
      } finally {
        pass = outer;
      }
    }
    if (engine.state.gradientDepth > 0) return gradients(...args);
    pass = { firstId: engine.nextTensorId(), returnedFor: new Map() };
    try {
      return gradients(...args);
    } finally {
      pass = undefined;
    }
  };
}

/** Disposes the previous kernel's output gradients and saved tensors, except those still in use. */
function freePrevious(pass: Pass): void {
  const previous = pass.previous;
  if (!previous) return;
  pass.previous = undefined;
  previous.dys.forEach((dy, i) => {
    if (!dy || dy.isDisposed || dy.id <= pass.firstId) return;
    // Also handed on as the gradient of another tensor: still in use.
    const of = pass.returnedFor.get(dy);
    const output = previous.outputs[i];
    if (of && [...of].some((id) => id !== output?.id)) return;
    dy.dispose();
  });
  for (const tensor of previous.saved) {
    if (tensor.isDisposed || pass.returnedFor.has(tensor)) continue;
    tensor.dispose();
  }
}
