// Runs Mermaid diagrams through Mermaid's own parser and prints, per
// diagram, one JSON line of what Mermaid read: its type, and the nodes,
// subgraphs and edges of a flowchart or the tasks of a Gantt (with their
// dates resolved, which the parser alone does not check). Exits 1 when
// any diagram does not parse.
//
//   node tests/mermaid/validate.mjs MODULES_DIR FILE...
//
// MODULES_DIR holds node_modules with mermaid and jsdom (scripts/get-mermaid.sh
// prints it); each FILE holds one diagram, without the ``` fence.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [modules, ...files] = process.argv.slice(2);
if (!modules || files.length === 0) {
  console.error('usage: validate.mjs MODULES_DIR FILE...');
  process.exit(2);
}
const require = createRequire(join(modules, 'package.json'));

// Mermaid sanitizes labels with DOMPurify, which needs a window: jsdom's,
// set up before Mermaid is loaded.
const { JSDOM } = require('jsdom');
const dom = new JSDOM('<!doctype html><html><body></body></html>');
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import(pathToFileURL(require.resolve('mermaid')).href);
mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' });

// Mermaid keeps entity codes (#quot;) as placeholders until it draws;
// they are turned back into the characters a reader sees.
function text(s) {
  const html = String(s ?? '')
    .replace(/ﬂ°°/g, '&#')
    .replace(/ﬂ°/g, '&')
    .replace(/¶ß/g, ';');
  const el = document.createElement('textarea');
  el.innerHTML = html;
  return el.value.trim();
}

function details(diagram) {
  const db = diagram.db;
  if (diagram.type === 'gantt') {
    const tasks = db.getTasks().map((t) => {
      for (const d of [t.startTime, t.endTime]) {
        if (!(d instanceof Date) || Number.isNaN(d.getTime())) {
          throw new Error(`task ${JSON.stringify(t.task)}: no valid date`);
        }
      }
      if (t.endTime < t.startTime) {
        throw new Error(`task ${JSON.stringify(t.task)}: ends before it starts`);
      }
      return {
        task: text(t.task),
        section: text(t.section),
        start: t.startTime.toISOString(),
        end: t.endTime.toISOString(),
        classes: t.classes ?? [],
        crit: !!t.crit,
        done: !!t.done,
        active: !!t.active,
      };
    });
    return { title: text(db.getDiagramTitle()), axisFormat: db.getAxisFormat(), tasks };
  }
  if (diagram.type.startsWith('flowchart')) {
    const vertices = [...db.getVertices().values()].map((v) => ({
      id: v.id,
      text: text(v.text),
      classes: v.classes ?? [],
    }));
    const subgraphs = db.getSubGraphs().map((s) => ({
      id: s.id,
      title: text(s.title),
      nodes: s.nodes,
      classes: s.classes ?? [],
    }));
    const edges = db.getEdges().map((e) => [e.start, e.end]);
    return { vertices, subgraphs, edges, classes: [...db.getClasses().keys()] };
  }
  return {};
}

let failed = 0;
for (const file of files) {
  const src = readFileSync(file, 'utf8');
  try {
    const parsed = await mermaid.parse(src);
    const diagram = await mermaid.mermaidAPI.getDiagramFromText(src);
    console.log(JSON.stringify({ file, ok: true, type: parsed.diagramType, ...details(diagram) }));
  } catch (e) {
    failed += 1;
    const error = String(e?.message ?? e).replace(/\s+/g, ' ');
    console.log(JSON.stringify({ file, ok: false, error }));
  }
}
process.exit(failed ? 1 : 0);
