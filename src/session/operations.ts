/**
 * The session store's operations (operations.ts): what its calls are named in errors
 * (`error.operation`) and traces (`redis-prefix-cache:session.get`, ...).
 */
import { registerOperations } from '../operations.js'

const SESSION_OPERATIONS = {
  'session.get': { single: true },
  'session.set': { single: true },
  'session.touch': { single: true },
  'session.destroy': { single: true },
  sessionsOf: { single: false },
  revokeUser: { single: false },
} as const

export type SessionOperation = keyof typeof SESSION_OPERATIONS

declare module '../operations.js' {
  interface IntegrationOperations extends Record<SessionOperation, true> {}
}

registerOperations(SESSION_OPERATIONS)
