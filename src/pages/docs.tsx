import type { Context } from 'hono'

type Operation = {
  summary?: string
  description?: string
  tags?: string[]
  security?: Record<string, string[]>[]
  requestBody?: unknown
  parameters?: unknown[]
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: unknown }> }>
}

export type DocsInput = {
  info: { title: string; description?: string }
  paths?: Record<string, Record<string, Operation>>
  components?: { schemas?: Record<string, unknown> }
}

const css = `body{font:15px/1.5 system-ui,sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem;color:#1a1a1a}
code,pre{font:13px ui-monospace,monospace;background:#f4f4f5;border-radius:4px}pre{padding:.75rem;overflow:auto}
.op{border:1px solid #ddd;border-radius:6px;margin:1rem 0;padding:.5rem 1rem}.m{font-weight:700;text-transform:uppercase;margin-right:.5rem}
.get{color:#0a6}.post{color:#06c}.patch{color:#a60}.delete{color:#c22}summary{cursor:pointer}`

/** `{}` in a security list means the credential is optional; no list means a public operation. */
function securityText(security: Record<string, string[]>[] | undefined): string {
  if (!security || security.length === 0) return 'public'
  const named = security.map((s) => Object.keys(s).join(' + ')).filter(Boolean)
  return security.some((s) => Object.keys(s).length === 0) ? `optional: ${named.join(' or ')}` : named.join(' or ')
}

/** A server-rendered reference generated from the OpenAPI document (no external assets), one section per tag. */
export function docsPage(c: Context, doc: DocsInput) {
  const operations = Object.entries(doc.paths ?? {}).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ path, method, op })),
  )
  const sections = new Map<string, typeof operations>()
  for (const o of operations) {
    const tag = o.op.tags?.[0] ?? 'Other'
    sections.set(tag, [...(sections.get(tag) ?? []), o])
  }
  return c.html(
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{doc.info.title}</title>
        <style>{css}</style>
      </head>
      <body>
        <h1>{doc.info.title}</h1>
        <p>{doc.info.description}</p>
        <p>
          Machine-readable: <a href="/openapi.json">/openapi.json</a>
        </p>
        <nav>
          <ul>
            {[...sections].map(([tag, ops]) => (
              <li>
                <a href={`#tag-${tag}`}>{tag}</a> ({ops.length})
              </li>
            ))}
          </ul>
        </nav>
        {[...sections].map(([tag, ops]) => (
          <section id={`tag-${tag}`}>
            <h2>{tag}</h2>
            {ops.map(({ path, method, op }) => (
              <section class="op" id={`${method}-${path}`}>
                <h3>
                  <span class={`m ${method}`}>{method}</span>
                  <code>{path}</code> — {op.summary}
                </h3>
                <p>
                  Auth: <code>{securityText(op.security)}</code>
                </p>
                {op.description && <p>{op.description}</p>}
                {op.parameters && op.parameters.length > 0 && (
                  <details>
                    <summary>Parameters</summary>
                    <pre>{JSON.stringify(op.parameters, null, 2)}</pre>
                  </details>
                )}
                {op.requestBody !== undefined && (
                  <details>
                    <summary>Request body</summary>
                    <pre>{JSON.stringify(op.requestBody, null, 2)}</pre>
                  </details>
                )}
                <ul>
                  {Object.entries(op.responses ?? {}).map(([code, r]) => (
                    <li>
                      <code>{code}</code> {r.description}
                      {code.startsWith('2') && r.content?.['application/json']?.schema !== undefined && (
                        <details>
                          <summary>Response schema</summary>
                          <pre>{JSON.stringify(r.content['application/json'].schema, null, 2)}</pre>
                        </details>
                      )}
                    </li>
                  ))}
                </ul>
              </section>
            ))}
          </section>
        ))}
        <h2>Schemas</h2>
        {Object.entries(doc.components?.schemas ?? {}).map(([name, schema]) => (
          <details id={`schema-${name}`}>
            <summary>{name}</summary>
            <pre>{JSON.stringify(schema, null, 2)}</pre>
          </details>
        ))}
      </body>
    </html>,
  )
}
