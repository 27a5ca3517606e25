import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DirLock, isProcessAlive, LOCK_FILE, LockedError, lockHolder } from '../../src/util/lock.js';
import { removeStaleTempFiles, tempFileOwner } from '../../src/util/tmpfiles.js';

/** The PID of a process that has certainly ended. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

test('a lock is held by one process at a time; a live holder is named in the refusal', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'st-lock-'));
  // Another live process holds the lock (written as DirLock writes it).
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
  try {
    writeFileSync(
      join(dir, LOCK_FILE),
      JSON.stringify({ pid: child.pid, host: hostname(), since: '2026-01-01T00:00:00Z' }) + '\n',
    );
    assert.equal(lockHolder(dir), child.pid);
    assert.throws(
      () => DirLock.acquire(dir, 'run x'),
      (e: unknown) => e instanceof LockedError && new RegExp(`run x is in use by process ${child.pid}`).test(e.message),
    );
  } finally {
    child.kill();
  }
  await new Promise((r) => child.on('exit', r));
  // Its process is gone: the lock is stale and taken over.
  const lock = DirLock.acquire(dir, 'run x');
  assert.equal(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid, process.pid);
  lock.release();
  assert.equal(existsSync(join(dir, LOCK_FILE)), false);
});

test('a stale lock of a dead process, a half-written lock, and a reused PID are taken over', () => {
  const dir = mkdtempSync(join(tmpdir(), 'st-lock-'));
  const pid = deadPid();
  assert.equal(isProcessAlive(pid), false);
  for (const content of [
    JSON.stringify({ pid, host: hostname(), since: 'then' }),
    '{"pid": 12', // a holder killed while writing it
    JSON.stringify({ pid: process.ppid, host: hostname(), pidStart: '1', since: 'then' }), // PID reused since
  ]) {
    writeFileSync(join(dir, LOCK_FILE), content);
    const lock = DirLock.acquire(dir, 'run y');
    lock.release();
  }
  // A lock of another host is never judged stale from here.
  writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid, host: 'elsewhere', since: 'then' }));
  assert.throws(() => DirLock.acquire(dir, 'run y'), /in use by process \d+ on elsewhere .*remove .*run\.lock/);
});

test('temporary files of dead writers are removed; those of live ones and other files stay', () => {
  const dir = mkdtempSync(join(tmpdir(), 'st-tmp-'));
  const dead = deadPid();
  const names = [
    `.last.safetensors.${dead}.1700000000000.tmp`,
    `config.json.tmp-${dead}`,
    `.last.safetensors.${process.pid}.1700000000000.tmp`,
    `summary.json.tmp-${process.ppid}`,
    'last.safetensors',
    'notes.tmp',
  ];
  for (const n of names) writeFileSync(join(dir, n), 'x');
  assert.equal(tempFileOwner(names[0]), dead);
  assert.equal(tempFileOwner('last.safetensors'), undefined);
  assert.deepEqual(removeStaleTempFiles(dir).sort(), [names[0], names[1]].sort());
  assert.deepEqual(readdirSync(dir).sort(), names.slice(2).sort());
});
