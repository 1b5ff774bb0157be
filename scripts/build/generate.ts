/**
 * Writes the generated modules: src/generated.ts (the core's scripts, lua/*.lua, and the
 * package's version) and src/GROUP/generated.ts for each integration's folder of scripts
 * (lua/GROUP/*.lua), includes pasted in. Run by `npm run build` (and `npm run generate`);
 * test/scripts.test.ts fails when a module and lua/ disagree.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { generatedFile, generatedModule, scriptGroups } from './lua.js'

for (const group of ['', ...scriptGroups()]) {
  const file = generatedFile(group)
  const text = generatedModule(group)
  let before = ''
  try {
    before = readFileSync(file, 'utf8')
  } catch {
    // not there yet
  }
  if (before !== text) {
    writeFileSync(file, text)
    console.log(`generate: wrote ${fileURLToPath(file)}`)
  }
}
