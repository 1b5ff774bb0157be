/** The package version (generated.ts holds it, written at build from package.json: nothing is read at run time). */
export { VERSION as version } from './generated.js'
