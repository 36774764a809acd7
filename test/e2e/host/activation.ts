// How long the installed extension took to activate, as VS Code itself measured it. The
// extension host marks `code/extHost/{will,did}LoadExtensionCode/<id>` around loading the
// extension's main file and `code/extHost/{will,did}ActivateExtension/<id>` around activate()
// and the promise it returns; the marks live in `globalThis.MonacoPerformanceMarks` of the
// host process these tests run in (vs/base/common/performance, epoch milliseconds in Node).
// The line is printed for the outer test (../extension.test.ts), which reports it.

interface PerformanceMark {
  name: string;
  startTime: number;
}

export interface ActivationTiming {
  /** Loading dist/client.js (VS Code's "code loading" time). */
  loadMs: number;
  /** activate() until its promise resolved: here that includes the language server's handshake. */
  activateMs: number;
  /** From the start of loading to the resolved activation: what the user waits for. */
  totalMs: number;
}

export const ACTIVATION_LINE = '[e2e] activation ';

/** The timing from VS Code's marks, or undefined when this host keeps none (another VS Code build). */
export function activationTiming(extensionId: string): ActivationTiming | undefined {
  const store = (globalThis as { MonacoPerformanceMarks?: { getMarks(): PerformanceMark[] } }).MonacoPerformanceMarks;
  const marks = store?.getMarks() ?? [];
  const at = (what: string): number | undefined => marks.find((m) => m.name === `code/extHost/${what}/${extensionId}`)?.startTime;
  const willLoad = at('willLoadExtensionCode');
  const didLoad = at('didLoadExtensionCode');
  const willActivate = at('willActivateExtension');
  const didActivate = at('didActivateExtension');
  if (willLoad === undefined || didLoad === undefined || willActivate === undefined || didActivate === undefined) return undefined;
  return { loadMs: didLoad - willLoad, activateMs: didActivate - willActivate, totalMs: didActivate - willLoad };
}

/** Prints the timing as one `[e2e] activation {json}` console line (or says the marks were missing). */
export function reportActivation(extensionId: string): void {
  const timing = activationTiming(extensionId);
  console.log(`${ACTIVATION_LINE}${JSON.stringify(timing ?? { missing: 'no extension-host performance marks' })}`);
}
