// Entry point of `tao-spec-server` (bundled into dist/server.js). Speaks LSP over stdio
// (`--stdio`), or over node IPC / a socket when a client starts it that way.
import { createConnection, ProposedFeatures, StreamMessageReader } from 'vscode-languageserver/node';
import type { Connection } from 'vscode-languageserver/node';
import { startServer } from './server';
import { FramedStreamWriter } from './stream-writer';

// Nothing may be written to stdout but protocol messages: route stray logging to stderr.
console.log = console.info = (...args: unknown[]) => process.stderr.write(`${args.map(String).join(' ')}\n`);

startServer(process.argv.includes('--stdio') ? stdioConnection() : createConnection(ProposedFeatures.all));

/**
 * Over stdio, messages go out one write each (see stream-writer.ts). Given a reader and a
 * writer instead of streams, the library no longer exits when the editor closes the pipe, so
 * that is done here: exit code 0 after a `shutdown` request, 1 otherwise (the LSP convention).
 */
function stdioConnection(): Connection {
  const connection = createConnection(ProposedFeatures.all, new StreamMessageReader(process.stdin), new FramedStreamWriter(process.stdout));
  let shutdownReceived = false;
  connection.onShutdown(() => {
    shutdownReceived = true;
  });
  const exit = (): never => process.exit(shutdownReceived ? 0 : 1);
  process.stdin.on('end', exit);
  process.stdin.on('close', exit);
  return connection;
}
