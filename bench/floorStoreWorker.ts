import { parentPort, workerData } from 'node:worker_threads';
import { type FloorBatch, type FloorSchema, openFloorStore } from './floorStore.js';

/** The durable floor's store on a thread of its own (`--store-thread worker`): one transaction per batch posted. */
const { schema, path, portsipUrl } = workerData as { schema: FloorSchema; path: string; portsipUrl: string };
const store = openFloorStore(schema, path, portsipUrl);
const port = parentPort;
port?.on('message', (message: FloorBatch | 'close') => {
  if (message === 'close') {
    void store.close().then(() => port.close());
    return;
  }
  port.postMessage(store.commit(message));
});
