// Cached by Nitro for a minute in the 'cache' storage: two requests answer the same body.
export default defineCachedEventHandler(() => ({ at: Date.now(), random: Math.random() }), { maxAge: 60, name: 'time' })
