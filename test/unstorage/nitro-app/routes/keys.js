// What the 'cache' storage lists under Nitro's handler cache.
export default defineEventHandler(async () => ({ keys: await useStorage('cache').getKeys('nitro:handlers') }))
