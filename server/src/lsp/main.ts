// Entry point of `tao-spec-server` (bundled into dist/server.js). Speaks LSP over stdio
// (`--stdio`), or over node IPC / a socket when a client starts it that way.
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startServer } from './server';

// Nothing may be written to stdout but protocol messages: route stray logging to stderr.
console.log = console.info = (...args: unknown[]) => process.stderr.write(`${args.map(String).join(' ')}\n`);

const connection = createConnection(ProposedFeatures.all);
startServer(connection);
