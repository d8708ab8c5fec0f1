#!/usr/bin/env node
// Committed on purpose: npm links a workspace bin only if the file exists at install
// time, so this tiny launcher stays in git and loads the built code.
import { main } from '../dist/main.js';

process.exitCode = await main(process.argv.slice(2));
