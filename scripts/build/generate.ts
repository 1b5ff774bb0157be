/**
 * Writes src/generated.ts: the scripts of lua/ (includes pasted in) and the package's
 * version, as modules of the library. Run by `npm run build` (and `npm run generate`);
 * test/scripts.test.ts fails when the file and lua/ disagree.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { generatedModule } from './lua.js'

const file = new URL('../../src/generated.ts', import.meta.url)
const text = generatedModule()
let before = ''
try {
  before = readFileSync(file, 'utf8')
} catch {
  // not there yet
}
if (before !== text) {
  writeFileSync(file, text)
  console.log('generate: wrote src/generated.ts')
}
