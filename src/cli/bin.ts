#!/usr/bin/env node
/** The package's `bin`: runs the CLI (main.ts) on the process's arguments. */
import { endQuietlyOnClosedPipe, main } from './main.js'

endQuietlyOnClosedPipe()
process.exitCode = await main(process.argv)
