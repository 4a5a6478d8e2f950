import { createServer } from 'node:net';

/** An ephemeral port on 127.0.0.1, free when returned (for a server started in a child process); never one of the shared PostgreSQL clusters' 5432-5434. */
export async function freePort(): Promise<number> {
  for (;;) {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as { port: number };
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    if (port < 5432 || port > 5434) return port;
  }
}
