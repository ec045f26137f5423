#!/usr/bin/env node
// Adds lockfile entries for other platforms' optional binaries (workerd, anvil, esbuild, …).
//
// The npm registry reachable from our machines serves only linux-x64 builds of platform packages,
// so `npm install` here writes a package-lock.json without the darwin/win32/arm64 entries, and
// `npm ci` then refuses the lock as out of sync. Run this after every `npm install`:
//   node scripts/lockfile-platforms.mjs
// It records each missing optional platform package (name, version, os, cpu) where npm would
// place it, so `npm ci` accepts the lock here and installs the right binary on other machines.
import { readFileSync, writeFileSync } from 'node:fs'

const path = new URL('../package-lock.json', import.meta.url)
const lock = JSON.parse(readFileSync(path, 'utf8'))
const packages = lock.packages

const OS = [
  ['darwin', 'darwin'],
  ['linux', 'linux'],
  ['win32', 'win32'],
  ['windows', 'win32'],
  ['freebsd', 'freebsd'],
  ['android', 'android'],
]
const CPU = [
  ['arm64', 'arm64'],
  ['aarch64', 'arm64'],
  ['amd64', 'x64'],
  ['x64', 'x64'],
  ['-64', 'x64'],
  ['ia32', 'ia32'],
  ['arm', 'arm'],
]

function platformOf(name) {
  const os = OS.find(([k]) => name.includes(k))?.[1]
  const cpu = CPU.find(([k]) => name.endsWith(k) || name.includes(`${k}-`) || name.includes(`-${k}`))?.[1]
  return os && cpu ? { os, cpu } : undefined
}

/** Where npm resolves `name` from the package at `from`: nearest node_modules going up. */
function resolve(from, name) {
  let dir = from
  for (;;) {
    const candidate = dir ? `${dir}/node_modules/${name}` : `node_modules/${name}`
    if (packages[candidate]) return candidate
    if (!dir) return undefined
    const cut = dir.lastIndexOf('/node_modules/')
    dir = cut === -1 ? '' : dir.slice(0, cut)
  }
}

let added = 0
for (const [from, entry] of Object.entries(packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const platform = platformOf(name)
    if (!platform) continue
    const found = resolve(from, name)
    if (found && packages[found].version === version) continue
    const target = found || !from ? `${from ? `${from}/` : ''}node_modules/${name}` : `node_modules/${name}`
    const at = packages[target] ? `${from}/node_modules/${name}` : target
    if (packages[at]) continue
    packages[at] = {
      version,
      cpu: [platform.cpu],
      ...(entry.dev ? { dev: true } : {}),
      optional: true,
      os: [platform.os],
    }
    added += 1
  }
}

lock.packages = Object.fromEntries(
  Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : a > b ? 1 : 0)),
)
writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`)
console.log(`lockfile-platforms: added ${added} optional platform entr${added === 1 ? 'y' : 'ies'}`)
