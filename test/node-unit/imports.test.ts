import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { findViolations, floorOf, importsOf, KNOWN } from '../../scripts/check-imports.mjs'

const src = path.join(import.meta.dirname, '..', '..', 'src')
let root = ''

function tree(files: Record<string, string>): string {
  root = mkdtempSync(path.join(tmpdir(), 'imports-'))
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true })
    writeFileSync(path.join(root, rel), text)
  }
  return root
}

afterEach(() => {
  if (root) rmSync(root, { recursive: true, force: true })
  root = ''
})

describe('imports run downward (domain < db < auth/chain < objects/webhooks < services < api/pages < app)', () => {
  it('holds for src/, apart from the known and listed exceptions', () => {
    expect(findViolations(src)).toEqual([])
  })

  it('places every floor', () => {
    expect(
      [
        'domain/a.ts',
        'errors.ts',
        'config.ts',
        'log.ts',
        'db/x.ts',
        'auth/x.ts',
        'chain/x.ts',
        'objects/x.ts',
        'webhooks/x.ts',
        'services/x/y.ts',
        'api/v1/x.ts',
        'pages/x.tsx',
        'app.ts',
        'index.ts',
      ].map(floorOf),
    ).toEqual([0, 0, 0, 0, 1, 2, 2, 3, 3, 4, 5, 5, 6, 6])
  })

  it('reads static, type-only, multi-line, re-export and dynamic imports', () => {
    const source =
      "import { a } from './a'\nimport type {\n  B,\n} from \"../b\"\nexport { c } from './c'\nimport './d'\nconst e = await import('./e')\nimport { z } from 'zod'\n"
    expect(importsOf(source)).toEqual(['./a', '../b', './c', './d', './e'])
  })

  it('fails on an import from a lower floor to a higher one', () => {
    const dir = tree({
      'domain/money.ts': "import { x } from '../services/pay'\n",
      'services/pay.ts': "import { m } from '../domain/money'\nexport const x = 1\n",
    })
    expect(findViolations(dir, { checkKnown: false })).toEqual([
      'domain/money.ts → services/pay: floor 0 imports floor 4',
    ])
  })

  it('fails on one dialect importing another, and allows the shared api/ pieces', () => {
    const dir = tree({
      'api/schemas.ts': '',
      'api/v1/p.ts': "import { s } from '../schemas'\n",
      'api/bitpay/b.ts': "import { s } from '../schemas'\nimport { p } from '../v1/p'\n",
    })
    expect(findViolations(dir, { checkKnown: false })).toEqual([
      'api/bitpay/b.ts → api/v1/p: the bitpay dialect imports the v1 dialect',
    ])
  })

  it('names a file that sits on no floor', () => {
    const dir = tree({ 'misc/x.ts': '' })
    expect(findViolations(dir, { checkKnown: false })).toEqual([
      'misc/x.ts: not on any floor (add its folder to FLOORS in scripts/check-imports.mjs)',
    ])
  })

  it('flags a known exception once it is mended, so the list only shrinks', () => {
    const dir = tree({ 'domain/a.ts': '' })
    expect(findViolations(dir).filter((v: string) => v.includes('mended'))).toHaveLength(KNOWN.size)
  })
})
