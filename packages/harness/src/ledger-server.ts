import type { AddressInfo } from "node:net";
import dynalite from "dynalite";

/** A DynamoDB emulator listening on loopback, and how to close it. */
export interface LedgerServer {
  endpoint: string;
  close: () => Promise<void>;
}

/** A DynamoDB implementation on a loopback port: the ledger's real API, no mock. */
export async function startLedgerServer(): Promise<LedgerServer> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  let active = 0;
  server.on("request", (_request, response) => {
    active++;
    response.on("close", () => active--);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Let requests in flight finish (dynalite closes its database with the server), then drop
      // the idle keep-alive connections that would hold close() for seconds.
      for (let waited = 0; active > 0 && waited < 5_000; waited += 10) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      server.closeAllConnections();
      await closed;
    },
  };
}
