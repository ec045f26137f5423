#!/usr/bin/env node
// The house rule "imports run downward" (STYLE.md), checked: a file may import only from its own floor
// or a lower one, and a dialect under api/ may not import another dialect (shared pieces live in api/*.ts
// or domain/). Run by `npm run lint:imports`, by .ci/run and by test/node-unit/imports.test.ts.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/** Floors from the ground up; a top-level file or folder not named here is a violation to name. */
export const FLOORS = [
  ['domain', 'config.ts', 'errors.ts', 'context.ts', 'log.ts'],
  ['db'],
  ['auth', 'chain'],
  ['objects', 'webhooks'],
  ['services'],
  ['api', 'pages'],
  ['index.ts', 'app.ts', 'instrument.ts', 'maintenance.ts'],
]
/**
 * Upward imports known and not yet mended, each with why; the check fails on any other, and on an
 * entry here that no longer occurs (so the list only shrinks).
 */
export const KNOWN = new Map([])

const FLOOR_OF = new Map(FLOORS.flatMap((names, floor) => names.map((name) => [name, floor])))

/** The floor of a path relative to src/ ("services/payments.ts" → 4), or undefined if unplaced. */
export function floorOf(rel) {
  return FLOOR_OF.get(rel.split('/')[0])
}

/** The dialect of a file under api/ ("api/bitpay/x.ts" → "bitpay"), null for api/*.ts and others. */
function dialectOf(rel) {
  const parts = rel.split('/')
  return parts[0] === 'api' && parts.length > 2 ? parts[1] : null
}

const SPECIFIERS =
  /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|(?:^|[\s;])import\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g

/** Relative specifiers a source file imports. */
export function importsOf(source) {
  return [...source.matchAll(SPECIFIERS)].map((m) => m[1] ?? m[2] ?? m[3]).filter((s) => s.startsWith('.'))
}

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name)
    if (statSync(full).isDirectory()) return walk(full)
    return /\.(ts|tsx|mts|js|mjs)$/.test(name) && !name.endsWith('.d.ts') ? [full] : []
  })
}

/** Every import in `root` that runs upward or sideways: "from → to: reason". */
export function findViolations(root, { checkKnown = true } = {}) {
  const found = []
  const seen = new Set()
  for (const file of walk(root)) {
    const rel = path.relative(root, file).split(path.sep).join('/')
    const floor = floorOf(rel)
    if (floor === undefined) {
      found.push(`${rel}: not on any floor (add its folder to FLOORS in scripts/check-imports.mjs)`)
      continue
    }
    for (const spec of importsOf(readFileSync(file, 'utf8'))) {
      const target = path
        .relative(root, path.resolve(path.dirname(file), spec))
        .split(path.sep)
        .join('/')
      if (target.startsWith('..')) continue
      const to =
        floorOf(target.includes('/') ? target : `${target}${path.extname(target) ? '' : '.ts'}`) ?? floorOf(target)
      if (to === undefined) continue
      if (to > floor) {
        if (!KNOWN.has(`${rel} → ${target}`)) found.push(`${rel} → ${target}: floor ${floor} imports floor ${to}`)
        else seen.add(`${rel} → ${target}`)
      } else {
        const from = dialectOf(rel)
        const into = dialectOf(target)
        if (from && into && from !== into)
          found.push(`${rel} → ${target}: the ${from} dialect imports the ${into} dialect`)
      }
    }
  }
  if (checkKnown)
    for (const known of KNOWN.keys())
      if (!seen.has(known)) found.push(`${known}: mended, remove it from KNOWN in scripts/check-imports.mjs`)
  return found
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const root = path.resolve(process.argv[2] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'src'))
  const violations = findViolations(root)
  for (const v of violations) console.error(v)
  console.log(
    violations.length === 0 ? 'imports run downward' : `${violations.length} import(s) run upward or sideways`,
  )
  process.exitCode = violations.length === 0 ? 0 : 1
}
