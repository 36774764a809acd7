// Console output of the engine. Messages go to stderr so stdout stays free for data a caller
// may pipe (e.g. inference results); `quiet` keeps tests' output short.
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  /** Rewrites the current terminal line (progress bars); ignored when stderr is not a TTY. */
  progress(line: string): void;
  /** Ends a progress line. */
  done(): void;
}

export function createLogger(quiet = false): Logger {
  const tty = Boolean(process.stderr.isTTY);
  let open = false;
  const end = () => {
    if (open) process.stderr.write('\n');
    open = false;
  };
  return {
    info(message) {
      end();
      if (!quiet) process.stderr.write(message + '\n');
    },
    warn(message) {
      end();
      process.stderr.write('warning: ' + message + '\n');
    },
    progress(line) {
      if (quiet || !tty) return;
      process.stderr.write('\r' + line.slice(0, (process.stderr.columns || 100) - 1) + '\x1b[K');
      open = true;
    },
    done: end,
  };
}
