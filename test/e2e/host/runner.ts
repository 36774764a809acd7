// A minimal test runner for inside VS Code's extension host (mocha is not a dependency):
// runs named async checks in order, logs each result to the console (which the outer
// Playwright test collects), and rejects when any failed so VS Code exits with code 1.

export interface HostTest {
  name: string;
  fn: () => Promise<void>;
}

export async function runAll(tests: HostTest[]): Promise<void> {
  const failures: string[] = [];
  for (const t of tests) {
    const started = Date.now();
    try {
      await t.fn();
      console.log(`[e2e] ok ${t.name} (${Date.now() - started} ms)`);
    } catch (e) {
      const err = e as Error;
      failures.push(t.name);
      console.error(`[e2e] FAIL ${t.name} (${Date.now() - started} ms): ${err.stack ?? err}`);
    }
  }
  console.log(`[e2e] ${tests.length - failures.length}/${tests.length} passed`);
  if (failures.length > 0) throw new Error(`e2e failures: ${failures.join('; ')}`);
}

export async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 20000, everyMs = 200): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== null && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
