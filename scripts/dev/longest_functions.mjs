// The functions of at least MIN lines under the given folders, longest first (TypeScript's parser), as issue 22's
// acceptance counts them:  node scripts/dev/longest_functions.mjs 60 src/run src/pipelines src/sparse
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

const [min, ...dirs] = process.argv.slice(2);
const files = (d) =>
  readdirSync(d, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(d, e.name)) : e.name.endsWith('.ts') ? [join(d, e.name)] : [],
  );
const rows = [];
for (const file of dirs.flatMap(files)) {
  const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const visit = (n) => {
    if (ts.isFunctionLike(n) && n.body) {
      const first = sf.getLineAndCharacterOfPosition(n.getStart()).line;
      const lines = sf.getLineAndCharacterOfPosition(n.end).line - first + 1;
      const name = n.name?.getText() ?? (ts.isVariableDeclaration(n.parent) ? n.parent.name.getText() : '(anonymous)');
      if (lines >= Number(min)) rows.push([lines, `${file}:${first + 1} ${name}`]);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
}
for (const [lines, where] of rows.sort((a, b) => b[0] - a[0])) console.log(lines, where);
