import type { Child } from 'hono/jsx'

/** Styles of the hosted pages: system fonts, WCAG AA contrast, 44px touch targets, visible focus. */
export const css = `
:root{--fg:#14171a;--muted:#4a5560;--line:#d5dbe1;--bg:#f5f7f9;--card:#fff;--accent:#0b57d0;--ok:#0d6b35;--warn:#8a4b00;--bad:#b3261e}
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:30rem;margin:0 auto;padding:1.25rem 1rem 2rem}
.card{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:1.25rem}
.merchant{margin:0;color:var(--muted);font-size:.95rem}
h1{margin:.15rem 0 .75rem;font-size:1.35rem;line-height:1.3}
.amount{font-size:1.6rem;font-weight:700;margin:0}
.crypto{margin:.1rem 0 0;color:var(--muted)}
.status{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;justify-content:space-between;margin:1rem 0;padding:.6rem .75rem;border-radius:8px;background:#eef2f6}
.badge{font-weight:700}
[data-stage=paid] .badge{color:var(--ok)}[data-stage=confirming] .badge{color:var(--warn)}
[data-stage=expired] .badge,[data-stage=failed] .badge,[data-stage=cancelled] .badge{color:var(--bad)}
.qr{width:240px;height:240px;margin:.5rem auto 1rem;padding:0;background:#fff}
.qr svg{display:block;width:240px;height:240px}
label,legend{display:block;font-weight:600;margin:.75rem 0 .35rem}
.row{display:flex;flex-wrap:wrap;gap:.5rem;align-items:stretch}
.row input,.row textarea{flex:1 1 15rem;min-width:0}
input[type=text],textarea{font:14px/1.4 ui-monospace,SFMono-Regular,Menlo,monospace;padding:.6rem;border:1px solid #8a96a3;border-radius:8px;background:#fff;color:var(--fg)}
textarea{resize:none;word-break:break-all;overflow:hidden}
.row button{flex:0 0 auto}
button,.button{display:inline-flex;align-items:center;justify-content:center;min-height:44px;padding:.55rem 1rem;border-radius:8px;border:1px solid var(--accent);background:var(--accent);color:#fff;font:inherit;font-weight:600;text-decoration:none;cursor:pointer}
button.secondary,.button.secondary{background:#fff;color:var(--accent)}
button:focus-visible,a:focus-visible,input:focus-visible,textarea:focus-visible{outline:3px solid #f0a000;outline-offset:2px}
.wide{width:100%;margin-top:.75rem}
fieldset{border:0;padding:0;margin:0}
.option{display:flex;gap:.6rem;align-items:center;padding:.6rem .75rem;border:1px solid var(--line);border-radius:8px;margin:.4rem 0;cursor:pointer}
.option:has(input:checked){border-color:var(--accent);background:#eef4ff}
.option input{width:1.2rem;height:1.2rem;margin:0}
.note{color:var(--muted);font-size:.9rem}
.error{color:var(--bad);font-weight:600}
.actions{display:flex;flex-wrap:wrap;gap:.5rem;margin-top:1rem}
a{color:var(--accent)}
footer{margin-top:1rem;text-align:center}
footer form{display:inline}
.link-button{background:none;border:0;color:var(--accent);text-decoration:underline;min-height:44px;font-weight:400}
[hidden]{display:none!important}
`

/** The HTML document around every hosted page. */
export function Layout(props: { title: string; nonce: string; children: Child; script?: string }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <title>{props.title}</title>
        <style nonce={props.nonce} dangerouslySetInnerHTML={{ __html: css }} />
      </head>
      <body>
        {props.children}
        {props.script && <script nonce={props.nonce} dangerouslySetInnerHTML={{ __html: props.script }} />}
      </body>
    </html>
  )
}

/** A page that only says something: unknown link, expired, inactive, ... */
export function MessagePage(props: {
  nonce: string
  title: string
  heading: string
  merchantName?: string
  children: Child
}) {
  return (
    <Layout title={props.title} nonce={props.nonce}>
      <main aria-labelledby="heading">
        <div class="card">
          {props.merchantName && <p class="merchant">{props.merchantName}</p>}
          <h1 id="heading">{props.heading}</h1>
          {props.children}
        </div>
      </main>
    </Layout>
  )
}
