#!/usr/bin/env node
// The `attestry` command. V8's compile cache (in the system's temporary directory) makes every
// start after the first much faster: the modules load from cached code rather than being parsed
// and compiled again. NODE_DISABLE_COMPILE_CACHE=1 turns it off.
import { enableCompileCache } from 'node:module';

enableCompileCache();
// Loaded after the cache is on, so that they are served from it.
const { buildProgram } = await import('./program.ts');
await buildProgram().parseAsync(process.argv);
