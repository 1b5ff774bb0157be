#!/usr/bin/env node
/** The package's `bin`: runs the CLI (main.ts) on the process's arguments. */
import { main } from './main.js'

process.exitCode = await main(process.argv)
