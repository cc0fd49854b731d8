// Writes an HTML page of a markdown file as a forge would show it: the
// markdown rendered by marked, each ```mermaid block drawn by Mermaid's
// own script (loaded from the installed package). scripts/render-markdown.sh
// screenshots it in headless Chromium.
//
//   node tests/mermaid/page.mjs MODULES_DIR FILE.md > page.html
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { pathToFileURL } from 'node:url';

const [modules, file] = process.argv.slice(2);
const require = createRequire(join(modules, 'package.json'));
const { marked } = await import(pathToFileURL(require.resolve('marked')).href);
const mermaidJs = join(dirname(require.resolve('mermaid')), 'mermaid.min.js');

const escape = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
marked.use({
  renderer: {
    code({ text, lang }) {
      if (lang === 'mermaid') return `<pre class="mermaid">${escape(text)}</pre>\n`;
      return false;
    },
  },
});
const body = marked.parse(readFileSync(file, 'utf8'));
process.stdout.write(`<!doctype html>
<html><head><meta charset="utf-8"><title>${escape(file)}</title>
<style>
body { font: 14px/1.5 -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif; color: #1f2328; max-width: 1240px; margin: 16px auto; padding: 0 16px; }
table { border-collapse: collapse; margin: 8px 0; } th, td { border: 1px solid #d1d9e0; padding: 4px 10px; }
code { background: #eff1f3; padding: 1px 4px; border-radius: 4px; font-size: 12px; }
pre:not(.mermaid) { background: #f6f8fa; padding: 8px; overflow: auto; }
pre.mermaid { background: #fff; border: 1px solid #d1d9e0; padding: 8px; }
blockquote { color: #59636e; border-left: 4px solid #d1d9e0; margin: 0; padding: 0 12px; }
</style>
<script src="${pathToFileURL(mermaidJs).href}"></script>
</head><body>
${body}
<script>
mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' });
mermaid.run().then(
  () => { document.title = 'drawn'; },
  (e) => { document.body.insertAdjacentHTML('afterbegin', '<p style="color:red">Mermaid: ' + e + '</p>'); });
</script>
</body></html>
`);
