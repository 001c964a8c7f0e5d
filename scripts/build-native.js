#!/usr/bin/env node
/*
 * Builds native/sha256 (the resumable OpenSSL SHA-256 addon) with node-gyp.
 *
 * Never fatal: the addon is only an accelerator, src/crypto/sha256-state.ts falls back to
 * hash-wasm when it is absent, so an install must not fail because a compiler is missing.
 * Usage: node scripts/build-native.js [--verbose]
 */
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const addonDir = path.join(root, 'native', 'sha256');
const buildDir = path.join(addonDir, 'build');
const addonPath = path.join(buildDir, 'Release', 'sha256.node');
const verbose = process.argv.includes('--verbose');
// Bounded so a node-gyp that falls back to downloading headers cannot hang an install.
const TIMEOUT_MS = 180_000;

function fail(reason) {
  console.log(
    `berth: native sha256 addon not built (${reason}); the pure-JS hash-wasm fallback will be used`,
  );
  process.exit(0);
}

function isNodeDir(dir) {
  return Boolean(dir) && fs.existsSync(path.join(dir, 'include', 'node', 'node_api.h'));
}

// Without an explicit nodedir node-gyp downloads headers, which fails offline; the local
// headers also carry the OpenSSL headers matching the symbols node exports.
function findNodeDir() {
  // npm exports its config to lifecycle scripts, which saves spawning npm during install.
  const fromEnv = process.env.npm_config_nodedir;
  if (isNodeDir(fromEnv)) return fromEnv;
  const npm = spawnSync('npm', ['config', 'get', 'nodedir'], {
    encoding: 'utf8',
    shell: process.platform === 'win32',
    timeout: 30_000,
  });
  const fromNpm = npm.status === 0 ? npm.stdout.trim() : '';
  if (isNodeDir(fromNpm)) return fromNpm;
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  if (isNodeDir(prefix)) return prefix;
  return null;
}

// node-gyp is a devDependency; a production install (--omit=dev) still has npm's bundled copy.
function findNodeGyp() {
  try {
    return require.resolve('node-gyp/bin/node-gyp.js', { paths: [root] });
  } catch {
    const bundled = process.env.npm_config_node_gyp;
    return bundled && fs.existsSync(bundled) ? bundled : null;
  }
}

function lastLine(text) {
  const all = String(text || '')
    .split(/\r?\n/)
    .map((l) => l.trim());
  // node-gyp's own ERR!/WARN lines are generic; the compiler's or gyp's message says why,
  // and failing that the Error node-gyp threw (e.g. no Python) does.
  const lines = all.filter((l) => l && !/^gyp (info|ERR!|WARN)/.test(l));
  const thrown = all.find((l) => l.startsWith('gyp ERR! stack Error: '));
  const reason =
    lines.find((l) => /error|not found|fatal/i.test(l)) ||
    (thrown && thrown.slice('gyp ERR! stack '.length)) ||
    lines[lines.length - 1] ||
    '';
  return reason.slice(0, 200);
}

// Loading in a child process catches an addon that compiles but cannot resolve the OpenSSL
// symbols from this node binary, without leaving it in the tree for the app to trip over.
function verifyAddon() {
  const check = `
    const a = require(${JSON.stringify(addonPath)});
    const c = require('node:crypto');
    const s = a.update(a.update(null, Buffer.from('resum')), Buffer.from('able'));
    const want = c.createHash('sha256').update('resumable').digest('hex');
    if (a.digest(s).toString('hex') !== want) throw new Error('digest mismatch');
  `;
  const r = spawnSync(process.execPath, ['-e', check], { encoding: 'utf8', timeout: 30_000 });
  return r.status === 0 ? null : lastLine(r.stderr) || `exit ${r.status}`;
}

function main() {
  const nodeDir = findNodeDir();
  if (!nodeDir) fail('no local node headers (include/node/node_api.h) found');
  const nodeGyp = findNodeGyp();
  if (!nodeGyp) fail('node-gyp not found');

  const r = spawnSync(
    process.execPath,
    [nodeGyp, 'rebuild', `--nodedir=${nodeDir}`, `--directory=${addonDir}`],
    {
      encoding: 'utf8',
      stdio: verbose ? 'inherit' : 'pipe',
      timeout: TIMEOUT_MS,
      // node-gyp lets npm_config_nodedir override --nodedir, so a stale one must not leak in.
      env: { ...process.env, npm_config_nodedir: nodeDir },
    },
  );
  if (r.error) fail(`node-gyp: ${r.error.message}`);
  if (r.status !== 0) fail(`node-gyp failed: ${lastLine(r.stderr) || `exit ${r.status}`}`);

  const loadError = verifyAddon();
  if (loadError) {
    fs.rmSync(buildDir, { recursive: true, force: true });
    fail(`built addon does not work with this node: ${loadError}`);
  }
  console.log(`berth: native sha256 addon built (${path.relative(root, addonPath)})`);
}

try {
  main();
} catch (err) {
  fail(err instanceof Error ? err.message : String(err));
}
