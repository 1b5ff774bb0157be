// The Nitro app of nitro.test.ts: its route cache and `useStorage('cache')` on the driver,
// mounted at startup with a client of the app's own (a client object, not a URL, so that the
// build bundles the client library the app imports).
import { Redis } from 'ioredis'
import prefixCacheDriver from '../../../../dist/unstorage/index.js'

export default defineNitroPlugin(() => {
  useStorage().mount('cache', prefixCacheDriver({ redis: new Redis(process.env.REDIS_URL), namespace: 'nitro' }))
})
