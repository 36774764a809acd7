// Learning rate per training step from lr_config, then Keras' `decay` (lr / (1 + decay * step)),
// which TAO's optimizers also apply. Pure function of the step, so resuming needs no state.
import type { LrConfig } from './config';

export function learningRateAt(cfg: LrConfig, decay: number, step: number, stepsPerEpoch: number, totalSteps: number): number {
  const progress = totalSteps > 0 ? step / totalSteps : 0;
  const base = cfg.learningRate;
  let lr = base;
  // Soft start: ramp from 1% of the base rate to the base rate over the first `softStart` fraction.
  const warm = (soft: number) => (soft > 0 && progress < soft ? base * (0.01 + 0.99 * (progress / soft)) : undefined);
  switch (cfg.type) {
    case 'constant':
      break;
    case 'soft_start_annealing': {
      // Interpolating in log space gives TAO's exponential ramps; base is max_learning_rate.
      const logRatio = Math.log(cfg.minLr / base);
      if (progress < cfg.softStart) lr = base * Math.exp(logRatio * (1 - progress / cfg.softStart));
      else if (progress > cfg.annealing) lr = base * Math.exp((logRatio * (progress - cfg.annealing)) / Math.max(1e-12, 1 - cfg.annealing));
      break;
    }
    case 'step': {
      const epoch = step / Math.max(1, stepsPerEpoch);
      lr = base * Math.pow(cfg.gamma, Math.floor(epoch / Math.max(cfg.stepSize, 1e-9)));
      break;
    }
    case 'soft_anneal': {
      const w = warm(cfg.softStart);
      if (w !== undefined) lr = w;
      else lr = base / Math.pow(cfg.annealingDivider, cfg.annealingPoints.filter((p) => progress >= p).length);
      break;
    }
    case 'cosine': {
      const w = warm(cfg.softStart);
      if (w !== undefined) lr = w;
      else {
        const min = base * cfg.minLrRatio;
        const t = cfg.softStart < 1 ? (progress - cfg.softStart) / (1 - cfg.softStart) : 1;
        lr = min + (base - min) * 0.5 * (1 + Math.cos(Math.PI * Math.min(1, Math.max(0, t))));
      }
      break;
    }
  }
  return decay > 0 ? lr / (1 + decay * step) : lr;
}
