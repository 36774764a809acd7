// This machine's theoretical fp32 peak, to put measured FLOP/s in proportion. Assumption
// (stated with every figure): each core retires 2 fused multiply-adds on 8-wide AVX2 vectors per
// cycle = 32 FLOP/cycle, at the nominal clock. CPUs with AVX-512 and two 512-bit FMA units
// can reach twice that; the note in RESULTS.md says which flags this machine reports.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

export interface Peak {
  ghz: number;
  cores: number;
  flopPerCycle: number;
  perCoreGflops: number;
  machineGflops: number;
  avx512: boolean;
  assumption: string;
}

export function machinePeak(): Peak {
  let mhz = 0;
  let flags = '';
  try {
    const out = execFileSync('lscpu', { encoding: 'utf8' });
    mhz = Number(/CPU max MHz:\s*([\d.]+)/.exec(out)?.[1] ?? 0);
    flags = /Flags:\s*(.+)/.exec(out)?.[1] ?? '';
  } catch {
    // no lscpu: fall back to the OS' reported clock
  }
  if (!mhz) {
    // Virtual machines often hide the max clock; the kernel's reported clock is the nominal one.
    try {
      mhz = Number(/cpu MHz\s*:\s*([\d.]+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 0);
    } catch {
      mhz = 0;
    }
  }
  if (!mhz) mhz = cpus()[0]?.speed ?? 0;
  const ghz = mhz / 1000;
  const cores = cpus().length;
  const flopPerCycle = 32;
  const perCore = ghz * flopPerCycle;
  return {
    ghz,
    cores,
    flopPerCycle,
    perCoreGflops: perCore,
    machineGflops: perCore * cores,
    avx512: /\bavx512f\b/.test(flags),
    assumption: `${cores} cores x ${ghz.toFixed(2)} GHz x 32 FLOP/cycle (2 AVX2 FMA units x 8 fp32 x 2)`,
  };
}
