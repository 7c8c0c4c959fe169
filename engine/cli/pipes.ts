/**
 * Output to a pipe that closes early: `mapsync failed --json | head` reads ten lines and
 * goes away. Writing on makes Node emit EPIPE on the stream, and without a listener that is
 * an uncaught exception with a stack trace. Instead the closed stream is remembered and
 * further output is dropped: the command finishes its work (a sync still completes, the
 * service keeps running when journald restarts) and exits with its own status.
 */
const CLOSED = new Set(['EPIPE', 'ERR_STREAM_DESTROYED', 'ECONNRESET']);

export function quietWriter(stream: NodeJS.WritableStream): (text: string) => void {
  let closed = false;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== undefined && CLOSED.has(error.code)) {
      closed = true;
      return;
    }
    // Anything else (a full disk behind a redirect) is a real error.
    throw error;
  });
  return (text) => {
    if (!closed) stream.write(text);
  };
}
