// Starts an evaluation worker when mapsync runs from its TypeScript sources: a worker thread
// does not inherit the main thread's tsx loader, so it registers its own, then loads the
// worker module. A compiled build starts worker.js directly and never loads this file.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
