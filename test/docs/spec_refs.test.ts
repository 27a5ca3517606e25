// The specification the code cites lives in the repository: every "SPEC §n" (or "§n.m") in a comment or string
// under src/ names a numbered heading of docs/SPEC.md, and nothing under src/ points at files outside the
// repository (the project's former ../shared/SPEC.md, DESIGN.md and STYLE.md, which a clone does not have).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SPEC = join(ROOT, 'docs', 'SPEC.md');

/** Every .ts file under a directory, recursively, in a stable order. */
function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((e) => {
      const p = join(dir, e.name);
      if (e.isDirectory()) return tsFiles(p);
      return e.isFile() && e.name.endsWith('.ts') ? [p] : [];
    });
}

/** The section numbers of docs/SPEC.md's headings: '## 4. Sparse core' → '4', '### 4.2 Mask discipline' → '4.2'. */
function specSections(markdown: string): Set<string> {
  const out = new Set<string>();
  for (const line of markdown.split('\n')) {
    const m = /^#{1,6}\s+(\d+(?:\.\d+)*)\.?\s/.exec(line);
    if (m) out.add(m[1]);
  }
  return out;
}

/** The sections a text cites: "SPEC §4", "SPEC §4.2", and the ones chained onto them ("SPEC §8, §10",
 * "SPEC §4 and §11", "SPEC §5–§7": both ends). */
function citedSections(text: string): string[] {
  const out: string[] = [];
  const chain = /SPEC\s+§\d+(?:\.\d+)*(?:\s*(?:,|and|or|–|-)\s*§\d+(?:\.\d+)*)*/g;
  for (const m of text.matchAll(chain)) for (const s of m[0].matchAll(/§(\d+(?:\.\d+)*)/g)) out.push(s[1]);
  return out;
}

test('spec refs: the helpers read headings and citations as intended', () => {
  assert.deepEqual(
    [...specSections('# Title\n## 1. Model zoo\n### 4.2 Mask discipline\n## Sources\n#### 10.3. OOD\n')],
    ['1', '4.2', '10.3'],
  );
  assert.deepEqual(citedSections('see SPEC §8, §10 and SPEC §4 and §11; SPEC §5–§7; SPEC §4.2. Not STYLE §3.'), [
    '8',
    '10',
    '4',
    '11',
    '5',
    '7',
    '4.2',
  ]);
});

test('spec refs: every "SPEC §n" under src/ names a numbered heading of docs/SPEC.md', () => {
  const sections = specSections(readFileSync(SPEC, 'utf8'));
  assert.ok(sections.size >= 11, `docs/SPEC.md has only ${sections.size} numbered headings`);
  const missing: string[] = [];
  let citations = 0;
  for (const file of tsFiles(join(ROOT, 'src'))) {
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.forEach((line, i) => {
      for (const s of citedSections(line)) {
        citations++;
        if (!sections.has(s)) missing.push(`${relative(ROOT, file)}:${i + 1}: §${s}`);
      }
    });
  }
  assert.ok(
    citations > 100,
    `only ${citations} SPEC citations found under src/: is the scan looking in the right place?`,
  );
  assert.deepEqual(missing, [], `citations of sections docs/SPEC.md does not have:\n${missing.join('\n')}`);
});

test('spec refs: nothing under src/ refers to files outside the repository (../shared, DESIGN.md, STYLE.md)', () => {
  // The one thing beside the checkout that src/ may name: the CIFAR-10 copy, in help examples of --data-dir.
  const outside = /\.\.\/shared(?!\/datasets\/)|DESIGN\.md|STYLE\.md|STYLE §/;
  const offending: string[] = [];
  for (const file of tsFiles(join(ROOT, 'src'))) {
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (outside.test(line)) offending.push(`${relative(ROOT, file)}:${i + 1}: ${line.trim()}`);
      });
  }
  assert.deepEqual(
    offending,
    [],
    `${offending.length} line(s) under src/ point outside the repository (cite docs/SPEC.md, docs/ARCHITECTURE.md ` +
      `or docs/GUIDE.md instead):\n${offending.join('\n')}`,
  );
});
