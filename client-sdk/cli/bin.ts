#!/usr/bin/env node
// The `attestry` command.
import { buildProgram } from './program.ts';

await buildProgram().parseAsync(process.argv);
