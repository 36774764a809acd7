// Expands `tao.results.folderPattern` into the results folder of one run, so every run of
// a spec lands in a predictable place that TAO: Open Run and the Runs panel can find.

import * as path from 'node:path';

export const DEFAULT_RESULTS_PATTERN = '${specDir}/results/${specName}/${task}';

export interface PatternVars {
  workspaceFolder: string | undefined;
  spec: string;
  network: string;
  task: string;
  now: Date;
}

function stamp(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/** Replaces ${workspaceFolder}, ${specDir}, ${specName}, ${network}, ${task}, ${date}; unknown variables are an error. */
export function expandResultsPattern(pattern: string, vars: PatternVars): string {
  const specName = path.basename(vars.spec).replace(/\.[^.]*$/, '');
  const values: Record<string, string | undefined> = {
    workspaceFolder: vars.workspaceFolder ?? path.dirname(vars.spec),
    specDir: path.dirname(vars.spec),
    specName,
    network: vars.network,
    task: vars.task,
    date: stamp(vars.now),
  };
  const out = pattern.replace(/\$\{([A-Za-z]+)\}/g, (whole, name: string) => {
    const v = values[name];
    if (v === undefined) throw new Error(`Unknown variable ${whole} in tao.results.folderPattern`);
    return v;
  });
  return path.resolve(values.workspaceFolder as string, out);
}

/** The folder that holds all tasks' results of a spec: the pattern with ${task} cut off. */
export function runRootFor(resultsFolder: string, task: string): string {
  return path.basename(resultsFolder) === task ? path.dirname(resultsFolder) : resultsFolder;
}
