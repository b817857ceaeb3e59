import { readEnv } from './config/index.js';
import { startTracing } from './infra/tracing/index.js';

// The instrumentations patch pg, ioredis, kafkajs, http and express as they load: start tracing before the process imports them.
await startTracing(readEnv(process.env));
const { runProcess } = await import('./run-process.js');
await runProcess();
