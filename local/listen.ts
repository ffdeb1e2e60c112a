// Starting a local server on the loopback address only: nothing here is for other machines.
import { Server } from "node:http";
import { AddressInfo } from "node:net";

/** Listens on 127.0.0.1 (`port` 0 or absent = a free port) and resolves with the port; rejects with the
 *  listen error (EADDRINUSE, ...). */
export async function listenOnLoopback(server: Server, port = 0): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

/** Closes a server, ending idle keep-alive connections too so that close does not wait for them. */
export function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** Listens on `port` if it is free, else on any free port (a URL naming the old port then stops working: a
 *  token of the local issuer, a pre-signed URL of the local S3). */
export async function listenOnStablePort(server: Server, port: number): Promise<number> {
  if (port === 0) return listenOnLoopback(server, 0);
  try {
    return await listenOnLoopback(server, port);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EADDRINUSE") throw e;
    return listenOnLoopback(server, 0);
  }
}
