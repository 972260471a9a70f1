import * as net from 'node:net';

/**
 * One AbortSignal for "the user wants us to stop": SIGINT, SIGTERM, or the docker CLI closing the
 * plugin socket (`DOCKER_CLI_PLUGIN_SOCKET`, abstract: `@` → NUL). The first signal aborts so work
 * can clean up; a second SIGINT exits at once.
 */
export function installCancellation(env: NodeJS.ProcessEnv = process.env): AbortSignal {
  const controller = new AbortController();
  let count = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    count += 1;
    if (count > 1) process.exit(130);
    controller.abort(new Error(`interrupted by ${sig}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const sock = env.DOCKER_CLI_PLUGIN_SOCKET;
  if (sock) {
    const path = sock.startsWith('@') ? `\0${sock.slice(1)}` : sock;
    const conn = net.createConnection({ path });
    let connected = false;
    conn.on('connect', () => (connected = true));
    conn.on('error', () => undefined);
    // The CLI closes its end when the user interrupts `docker coredata …`; a failed connect is no cancel.
    conn.on('close', () => {
      if (connected && !controller.signal.aborted)
        controller.abort(new Error('docker CLI closed the plugin socket'));
    });
    conn.unref();
  }
  return controller.signal;
}
