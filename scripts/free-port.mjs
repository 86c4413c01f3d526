// A free TCP port on loopback, for the servers the dev stack, the bench and the tests start.
import { createServer } from "node:net";

/** Asks the kernel for a free port on 127.0.0.1 and gives it back at once. */
export function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}
