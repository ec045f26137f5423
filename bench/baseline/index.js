/**
 * Bench baseline ("platform floor"): the least a D1-backed worker can do per request.
 *
 *   POST /insert       one INSERT (the JSON body's `amount`), 201 {"id": ...}
 *   GET  /select/:id   one SELECT by primary key, 200 with the row or 404
 *
 * scripts/bench.mjs compares the gateway's create/get payment against these two routes.
 */
export default {
  /**
   * @param {Request} request
   * @param {{ DB: D1Database }} env
   */
  async fetch(request, env) {
    const { pathname } = new URL(request.url)

    if (request.method === 'POST' && pathname === '/insert') {
      const body = await request.json().catch(() => ({}))
      const id = crypto.randomUUID()
      await env.DB.prepare('INSERT INTO items (id, amount, created_at) VALUES (?, ?, ?)')
        .bind(id, String(body.amount ?? '0'), new Date().toISOString())
        .run()
      return Response.json({ id }, { status: 201 })
    }

    const select = /^\/select\/([^/]+)$/.exec(pathname)
    if (request.method === 'GET' && select) {
      const row = await env.DB.prepare('SELECT id, amount, created_at FROM items WHERE id = ?').bind(select[1]).first()
      return row ? Response.json(row) : Response.json({ error: 'not found' }, { status: 404 })
    }

    return Response.json({ error: 'not found' }, { status: 404 })
  },
}
