// In-host check for a workspace with no TAO files (issue 17): opening the TAO side bar
// activates the extension, its trees are empty, and VS Code shows the welcome content with its
// buttons instead; the outer test reads them from the workbench's page and screenshots it.

import * as vscode from 'vscode';
import * as assert from 'node:assert/strict';
import { runAll, waitFor } from './runner';
import { snapWorkbench, type SnapshotNode } from './sideBar';

const EXT_ID = 'tao-spec-studio.tao-spec-studio';

interface Api {
  viewSnapshot(view: 'specs' | 'runs' | 'models', depth?: number): Promise<SnapshotNode[]>;
}

export async function run(): Promise<void> {
  await runAll([
    {
      name: 'welcome: an empty workspace\'s TAO side bar shows New Spec, Create Sample Dataset, Get Started and Open Run',
      fn: async () => {
        const ext = vscode.extensions.getExtension<Api>(EXT_ID);
        assert.ok(ext, `${EXT_ID} is installed`);
        // Nothing here activates the extension but showing its views.
        await vscode.commands.executeCommand('workbench.view.extension.tao');
        const api = await waitFor('activation by the TAO view', async () => (ext.isActive ? ext.exports : undefined), 30000);
        for (const view of ['specs', 'runs', 'models'] as const) assert.deepEqual(await api.viewSnapshot(view), [], `${view} is empty`);
        await new Promise((r) => setTimeout(r, 1500));
        const probe = await snapWorkbench('welcome');
        const text = probe.welcome.join(' | ');
        assert.match(text, /No TAO spec files in this workspace yet/);
        assert.match(text, /No runs yet/);
        for (const button of ['New Spec', 'Create Sample Dataset and Spec', 'Get Started', 'Open Run']) assert.ok(probe.welcomeButtons.includes(button), `${button} button: ${probe.welcomeButtons.join(', ')}`);
      },
    },
  ]);
}
